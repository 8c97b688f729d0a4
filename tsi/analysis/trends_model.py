"""Trends model (flows.md §6 "Model"): logistic regression of ``scheduled`` on priority, visibility and
requested time, with held-out metrics from stratified k-fold cross-validation.

Features: priority, visibility hours, requested hours → standardised → plus the three pairwise products of the
standardised features → L2 logistic regression (lbfgs, 1000 iterations, ``class_weight``). The scaler is fitted
inside each training fold, so the metrics are truly held-out. k = min(5, size of the smaller class), shuffled
with seed 42; accuracy and ROC-AUC per fold, reported as mean and population standard deviation. Coefficients,
intercept and curves come from a final fit on all blocks. Deterministic for the same inputs.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, roc_auc_score
from sklearn.model_selection import StratifiedKFold
from sklearn.preprocessing import StandardScaler

__all__ = ["fit_trends_model", "FEATURES", "MIN_SAMPLES", "empty_curves", "format_priority_label"]

FEATURES = [
    "priority",
    "visibility_hours",
    "requested_hours",
    "priority×visibility",
    "priority×requested",
    "visibility×requested",
]
MIN_SAMPLES = 20
MAX_FOLDS = 5
SEED = 42
N_CURVE_POINTS = 100
CURVE_PERCENTILES = (25, 50, 75)


def empty_curves() -> dict[str, Any]:
    """The curves table with no rows."""
    return {
        "priority_label": [],
        "visibility_hours": np.empty(0, dtype=np.float64),
        "probability": np.empty(0, dtype=np.float64),
    }


def format_priority_label(percentile: int, value: float) -> str:
    """``P25 = 5.5``: the value with up to 2 decimals, trailing zeros trimmed."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    if text in ("-0", ""):
        text = "0"
    return f"P{percentile} = {text}"


def _expand(z: np.ndarray) -> np.ndarray:
    """Standardised features plus their three pairwise products (order as in FEATURES)."""
    return np.column_stack([z, z[:, 0] * z[:, 1], z[:, 0] * z[:, 2], z[:, 1] * z[:, 2]])


def _new_classifier(class_weight: str | None) -> LogisticRegression:
    # L2 is the default penalty (l1_ratio=0); `penalty=` itself is deprecated in recent scikit-learn.
    return LogisticRegression(solver="lbfgs", max_iter=1000, class_weight=class_weight)


def _fit(x: np.ndarray, y: np.ndarray, class_weight: str | None) -> tuple[StandardScaler, LogisticRegression]:
    scaler = StandardScaler().fit(x)
    clf = _new_classifier(class_weight)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(_expand(scaler.transform(x)), y)
    return scaler, clf


def _predict(scaler: StandardScaler, clf: LogisticRegression, x: np.ndarray) -> np.ndarray:
    return clf.predict_proba(_expand(scaler.transform(x)))[:, 1]


def _result(status: str, message: str, n_samples: int, n_scheduled: int) -> dict[str, Any]:
    return {
        "status": status,
        "message": message,
        "n_samples": int(n_samples),
        "n_scheduled": int(n_scheduled),
        "n_folds": None,
        "accuracy_mean": None,
        "accuracy_std": None,
        "roc_auc_mean": None,
        "roc_auc_std": None,
        "features": list(FEATURES),
        "coefficients": None,
        "intercept": None,
        "curves": empty_curves(),
    }


def _blocks(n: int) -> str:
    return f"{n} block" if n == 1 else f"{n} blocks"


def fit_trends_model(
    priority: Any,
    visibility_hours: Any,
    requested_hours: Any,
    scheduled: Any,
    *,
    class_weight: str | None = "balanced",
) -> dict[str, Any]:
    """Fit the trends model on the included blocks and return the payload's ``model`` dict.

    ``class_weight`` is ``"balanced"`` or ``None`` (``"none"`` accepted). Blocks with a non-finite feature
    are left out (and not counted). ``status`` is ``ok``, ``insufficient_data`` (fewer than 20 blocks, or fewer
    than 2 blocks of one outcome for the folds) or ``single_class``; unless ``ok``, the numbers are ``None`` and
    ``curves`` has no rows.
    """
    if isinstance(class_weight, str) and class_weight.strip().lower() == "none":
        class_weight = None
    if class_weight not in (None, "balanced"):
        raise ValueError(f"class_weight must be 'balanced' or 'none' (got {class_weight!r})")

    columns = [np.asarray(a, dtype=np.float64).ravel() for a in (priority, visibility_hours, requested_hours)]
    y_all = np.asarray(scheduled).ravel()
    lengths = {len(c) for c in columns} | {len(y_all)}
    if len(lengths) != 1:
        raise ValueError(f"priority, visibility_hours, requested_hours and scheduled differ in length: {lengths}")
    x = np.column_stack(columns) if columns[0].size else np.empty((0, 3), dtype=np.float64)
    finite = np.isfinite(x).all(axis=1)
    x = x[finite]
    y = (y_all[finite].astype(np.float64) != 0).astype(np.int64)

    n = int(len(y))
    n_pos = int(y.sum())
    n_neg = n - n_pos

    if n < MIN_SAMPLES:
        return _result(
            "insufficient_data",
            f"The model needs at least {MIN_SAMPLES} blocks with both outcomes; the filters leave {n}.",
            n,
            n_pos,
        )
    if n_pos == 0 or n_neg == 0:
        outcome = "scheduled" if n_neg == 0 else "unscheduled"
        return _result(
            "single_class",
            f"All {n} blocks are {outcome}; the model needs blocks with both outcomes.",
            n,
            n_pos,
        )
    k = min(MAX_FOLDS, n_pos, n_neg)
    if k < 2:
        smaller = "scheduled" if n_pos < n_neg else "unscheduled"
        return _result(
            "insufficient_data",
            f"The model needs at least 2 scheduled and 2 unscheduled blocks for cross-validation; "
            f"the filters leave {_blocks(min(n_pos, n_neg))} {smaller}.",
            n,
            n_pos,
        )

    accuracies: list[float] = []
    aucs: list[float] = []
    folds = StratifiedKFold(n_splits=k, shuffle=True, random_state=SEED)
    for train, test in folds.split(x, y):
        scaler, clf = _fit(x[train], y[train], class_weight)
        proba = _predict(scaler, clf, x[test])
        accuracies.append(float(accuracy_score(y[test], (proba >= 0.5).astype(np.int64))))
        aucs.append(float(roc_auc_score(y[test], proba)))

    scaler, clf = _fit(x, y, class_weight)

    # Curves: 100 visibility values over [min, max] at the 25th/50th/75th percentile of priority,
    # requested time at its median.
    vis = np.linspace(x[:, 1].min(), x[:, 1].max(), N_CURVE_POINTS, dtype=np.float64)
    requested_median = float(np.median(x[:, 2]))
    labels: list[str] = []
    vis_col: list[np.ndarray] = []
    prob_col: list[np.ndarray] = []
    for pct in CURVE_PERCENTILES:
        p = float(np.percentile(x[:, 0], pct))
        grid = np.column_stack([np.full(N_CURVE_POINTS, p), vis, np.full(N_CURVE_POINTS, requested_median)])
        labels.extend([format_priority_label(pct, p)] * N_CURVE_POINTS)
        vis_col.append(vis)
        prob_col.append(_predict(scaler, clf, grid))

    acc = np.asarray(accuracies)
    auc = np.asarray(aucs)
    return {
        "status": "ok",
        "message": f"{k}-fold held-out metrics on {n} blocks ({n_pos} scheduled).",
        "n_samples": n,
        "n_scheduled": n_pos,
        "n_folds": int(k),
        "accuracy_mean": float(acc.mean()),
        "accuracy_std": float(np.std(acc, ddof=0)),
        "roc_auc_mean": float(auc.mean()),
        "roc_auc_std": float(np.std(auc, ddof=0)),
        "features": list(FEATURES),
        "coefficients": [float(c) for c in clf.coef_.ravel()],
        "intercept": float(clf.intercept_[0]),
        "curves": {
            "priority_label": labels,
            "visibility_hours": np.concatenate(vis_col).astype(np.float64, copy=False),
            "probability": np.concatenate(prob_col).astype(np.float64, copy=False),
        },
    }
