"""Timeline page helpers: metrics texts, dark-period facts, the details table with its filters, CSV (no Dash)."""

from __future__ import annotations

import numpy as np

from tsi.figures.common import utc_text
from tsi.figures.timeline import day_to_unix, month_label, utc_strings
from tsi.timeparse import mjd_to_unix
from tsi.ui.csv_safe import csv_text

COLUMNS = [
    {"field": "original_block_id", "headerName": "Original id"},
    {"field": "priority", "headerName": "Priority", "type": "numericColumn"},
    {"field": "start", "headerName": "Start (UTC)"},
    {"field": "stop", "headerName": "Stop (UTC)"},
    {"field": "duration_h", "headerName": "Duration (h)", "type": "numericColumn"},
    {"field": "ra_deg", "headerName": "RA (°)", "type": "numericColumn"},
    {"field": "dec_deg", "headerName": "Dec (°)", "type": "numericColumn"},
    {"field": "requested_h", "headerName": "Requested (h)", "type": "numericColumn"},
    {"field": "visibility_h", "headerName": "Visibility (h)", "type": "numericColumn"},
]
FIELDS = [c["field"] for c in COLUMNS]


def hours_text(h: float | None) -> str:
    if h is None or h != h:
        return "–"
    if h < 1:
        return f"{h * 60:.0f} min"
    return f"{h:,.1f} h"


def metrics(payload: dict) -> list[tuple[str, str, str, str | None]]:
    """(label, value, component id suffix, detail) of the timeline metrics."""
    s = payload["summary"]
    if s.get("first_start_mjd") is not None:
        first, last = utc_text(s["first_start_mjd"]), utc_text(s["last_stop_mjd"])
        rng, rng_detail = f"{first[:10]} – {last[:10]}", f"{first} – {last} UTC"
    else:
        rng, rng_detail = "–", None
    n = s["scheduled_count"]
    return [
        ("Scheduled blocks", f"{n:,} of {s['total_blocks']:,}", "scheduled", None),
        ("Scheduled hours", f"{s['scheduled_hours_total']:,.1f} h", "hours", None),
        ("Mean duration", hours_text(s.get("scheduled_hours_mean")) if n else "–", "mean", None),
        ("Months covered", f"{len(payload['months']):,}", "months", None),
        ("Time range (UTC)", rng, "range", rng_detail),
    ]


def dark_facts(payload: dict) -> dict:
    """Dark periods: count, hours and their UTC range (from the dark segments)."""
    s, d = payload["summary"], payload["dark_segments"]
    months = list(d["month"])
    if months:
        first = day_to_unix(months[:1], np.asarray(d["day_start"])[:1])[0]
        last = day_to_unix(months[-1:], np.asarray(d["day_end"])[-1:])[0]
        rng = f"{utc_strings([first])[0]} – {utc_strings([last])[0]} UTC"
    else:
        rng = "–"
    return {"count": f"{int(s['dark_period_count']):,}", "hours": f"{float(s['dark_hours']):,.1f} h", "range": rng}


def _round(a, digits) -> list:
    a = np.round(np.asarray(a, dtype=float), digits)
    return [None if v != v else v for v in a.tolist()]


def table_rows(payload: dict) -> list[dict]:
    """One row per scheduled block (payload order), values rounded for display."""
    b = payload["blocks"]
    cols = {
        "original_block_id": list(b["original_block_id"]),
        "priority": _round(b["priority"], 3),
        "start": utc_strings(mjd_to_unix(np.asarray(b["scheduled_start_mjd"], dtype=float))).tolist(),
        "stop": utc_strings(mjd_to_unix(np.asarray(b["scheduled_stop_mjd"], dtype=float))).tolist(),
        "duration_h": _round(b["scheduled_hours"], 3),
        "ra_deg": _round(b["ra_deg"], 4),
        "dec_deg": _round(b["dec_deg"], 4),
        "requested_h": _round(b["requested_hours"], 3),
        "visibility_h": _round(b["total_visibility_hours"], 2),
    }
    return [dict(zip(FIELDS, vals)) for vals in zip(*(cols[f] for f in FIELDS))]


def month_options(payload: dict) -> list[dict]:
    return [{"label": month_label(m), "value": m} for m in payload["months"]]


def filter_mask(payload: dict, search: str | None = None, month: str | None = None,
                min_priority: float | None = None) -> np.ndarray:
    """Which scheduled blocks pass: id contains the search text, has a segment in the month, priority ≥ min."""
    b = payload["blocks"]
    n = len(b["block_id"])
    mask = np.ones(n, dtype=bool)
    q = (search or "").strip().lower()
    if q:
        mask &= np.fromiter((q in oid.lower() for oid in b["original_block_id"]), dtype=bool, count=n)
    if month:
        seg = payload["segments"]
        in_month = np.zeros(n, dtype=bool)
        sel = np.fromiter((m == month for m in seg["month"]), dtype=bool, count=len(seg["month"]))
        in_month[np.asarray(seg["row"], dtype="int64")[sel]] = True
        mask &= in_month
    if min_priority is not None and min_priority != "":
        mask &= np.asarray(b["priority"], dtype=float) >= float(min_priority)
    return mask


def showing_text(shown: int, total: int) -> str:
    return f"Showing {shown:,} of {total:,}"


def rows_csv(rows: list[dict]) -> str:
    """The table rows as CSV; formula-like text cells (ids) get a leading `'` (csv_safe)."""
    return csv_text(FIELDS, ([r[f] for f in FIELDS] for r in rows))
