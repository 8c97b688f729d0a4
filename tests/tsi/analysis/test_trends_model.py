import numpy as np
import pytest

from tsi.analysis.trends_model import FEATURES, fit_trends_model, format_priority_label

KEYS = {
    "status", "message", "n_samples", "n_scheduled", "n_folds", "accuracy_mean", "accuracy_std",
    "roc_auc_mean", "roc_auc_std", "features", "coefficients", "intercept", "curves",
}
NUMBERS = ("n_folds", "accuracy_mean", "accuracy_std", "roc_auc_mean", "roc_auc_std", "coefficients", "intercept")


def dataset(n=300, seed=1, noise=1.0):
    rng = np.random.default_rng(seed)
    priority = rng.uniform(0, 10, n)
    visibility = rng.uniform(0, 200, n)
    requested = rng.uniform(0.5, 8, n)
    scheduled = (0.6 * priority + 0.02 * visibility - 0.3 * requested + rng.normal(0, noise, n)) > 3.5
    return priority, visibility, requested, scheduled


def assert_null_model(model, status):
    assert set(model) == KEYS
    assert model["status"] == status
    for key in NUMBERS:
        assert model[key] is None
    curves = model["curves"]
    assert set(curves) == {"priority_label", "visibility_hours", "probability"}
    assert curves["priority_label"] == []
    assert curves["visibility_hours"].dtype == np.float64 and curves["visibility_hours"].size == 0
    assert curves["probability"].dtype == np.float64 and curves["probability"].size == 0


def test_ok_model_shape_and_metrics():
    model = fit_trends_model(*dataset())
    assert set(model) == KEYS
    assert model["status"] == "ok"
    assert model["n_samples"] == 300
    assert model["n_scheduled"] == int(dataset()[3].sum())
    assert model["n_folds"] == 5
    for key in ("accuracy_mean", "accuracy_std", "roc_auc_mean", "roc_auc_std"):
        assert isinstance(model[key], float) and 0.0 <= model[key] <= 1.0
    assert model["features"] == FEATURES and len(FEATURES) == 6
    assert len(model["coefficients"]) == 6 and all(isinstance(c, float) for c in model["coefficients"])
    assert isinstance(model["intercept"], float)
    # priority and visibility push towards scheduling, requested time against it
    assert model["coefficients"][0] > 0 and model["coefficients"][1] > 0 and model["coefficients"][2] < 0


def test_curves():
    p, v, r, s = dataset()
    curves = fit_trends_model(p, v, r, s)["curves"]
    labels, vis, prob = curves["priority_label"], curves["visibility_hours"], curves["probability"]
    assert len(labels) == len(vis) == len(prob) == 300
    assert vis.dtype == np.float64 and prob.dtype == np.float64
    assert all(isinstance(label, str) for label in labels)
    pcts = np.percentile(p, [25, 50, 75])
    assert [labels[0], labels[100], labels[200]] == [format_priority_label(q, x) for q, x in zip((25, 50, 75), pcts)]
    assert labels[0].startswith("P25 = ") and labels[299].startswith("P75 = ")
    for i in range(3):
        block = vis[i * 100:(i + 1) * 100]
        assert block[0] == v.min() and block[-1] == v.max()
        np.testing.assert_allclose(block, np.linspace(v.min(), v.max(), 100))
    assert np.all((prob >= 0) & (prob <= 1))
    # a higher priority percentile gives a higher probability everywhere (positive priority effect)
    assert np.all(prob[200:] > prob[:100])


def test_deterministic():
    a = fit_trends_model(*dataset(seed=3, noise=2.0))
    b = fit_trends_model(*dataset(seed=3, noise=2.0))
    for key in KEYS - {"curves"}:
        assert a[key] == b[key]
    for col in ("visibility_hours", "probability"):
        np.testing.assert_array_equal(a["curves"][col], b["curves"][col])
    assert a["curves"]["priority_label"] == b["curves"]["priority_label"]


def test_separable_dataset_high_accuracy():
    rng = np.random.default_rng(7)
    n = 200
    priority = rng.uniform(0, 10, n)
    visibility = rng.uniform(1, 100, n)
    requested = rng.uniform(1, 4, n)
    scheduled = priority > 5
    model = fit_trends_model(priority, visibility, requested, scheduled)
    assert model["status"] == "ok"
    assert model["accuracy_mean"] >= 0.95
    assert model["roc_auc_mean"] >= 0.98


def test_class_weight_none_differs_and_validates():
    data = dataset(seed=5, noise=3.0)
    balanced = fit_trends_model(*data)
    none = fit_trends_model(*data, class_weight=None)
    none_text = fit_trends_model(*data, class_weight="none")
    assert none["coefficients"] == none_text["coefficients"]
    assert none["intercept"] != balanced["intercept"]
    with pytest.raises(ValueError):
        fit_trends_model(*data, class_weight="auto")


def test_insufficient_data_few_blocks():
    p, v, r, s = dataset(n=12)
    s[:3] = True
    s[3:6] = False
    model = fit_trends_model(p, v, r, s)
    assert_null_model(model, "insufficient_data")
    assert model["message"] == "The model needs at least 20 blocks with both outcomes; the filters leave 12."
    assert model["n_samples"] == 12


def test_empty_selection():
    empty = np.empty(0)
    model = fit_trends_model(empty, empty, empty, np.empty(0, dtype=bool))
    assert_null_model(model, "insufficient_data")
    assert model["n_samples"] == 0 and model["n_scheduled"] == 0


def test_single_class():
    p, v, r, _ = dataset(n=50)
    model = fit_trends_model(p, v, r, np.zeros(50, dtype=bool))
    assert_null_model(model, "single_class")
    assert model["n_samples"] == 50 and model["n_scheduled"] == 0
    assert_null_model(fit_trends_model(p, v, r, np.ones(50, dtype=np.uint8)), "single_class")


def test_insufficient_data_one_minority_block():
    p, v, r, _ = dataset(n=40)
    s = np.zeros(40, dtype=bool)
    s[7] = True
    model = fit_trends_model(p, v, r, s)
    assert_null_model(model, "insufficient_data")
    assert model["n_scheduled"] == 1


def test_small_minority_uses_fewer_folds():
    p, v, r, _ = dataset(n=40)
    s = np.zeros(40, dtype=bool)
    s[[1, 9, 22]] = True
    model = fit_trends_model(p, v, r, s)
    assert model["status"] == "ok" and model["n_folds"] == 3


def test_std_is_population_std():
    # With 2 folds, population std is half the absolute difference of the two fold values.
    p, v, r, _ = dataset(n=30, seed=11)
    s = np.zeros(30, dtype=bool)
    s[[0, 5]] = True
    model = fit_trends_model(p, v, r, s)
    assert model["n_folds"] == 2
    assert 0.0 <= model["accuracy_std"] <= 0.5


def test_constant_feature_and_integer_inputs():
    rng = np.random.default_rng(2)
    priority = rng.integers(1, 10, 60)
    visibility = np.full(60, 12.0)
    requested = rng.integers(1, 5, 60)
    scheduled = priority >= 5
    model = fit_trends_model(priority, visibility, requested, scheduled)
    assert model["status"] == "ok"
    vis = model["curves"]["visibility_hours"]
    assert np.all(vis == 12.0) and np.all(np.isfinite(model["curves"]["probability"]))


@pytest.mark.parametrize(
    "pct, value, label", [(25, 5.5, "P25 = 5.5"), (50, 5.0, "P50 = 5"), (75, 7.256, "P75 = 7.26"), (25, -0.001, "P25 = 0")]
)
def test_priority_label(pct, value, label):
    assert format_priority_label(pct, value) == label
