"""Sky Map page helpers that are not figures: subset summary, filter state from the controls, CSV of the subset."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from tsi.timeparse import MJD_UNIX_EPOCH
from tsi.figures.sky_map import SkyFilters, bin_label_array, take, utc_texts
from tsi.timeparse import parse_time_to_unix, unix_to_mjd
from tsi.ui.tables import to_csv, value_text

CSV_COLUMNS = ["block_id", "original_block_id", "ra_deg", "dec_deg", "priority", "priority_bin", "priority_label",
               "requested_hours", "scheduled", "scheduled_start_utc", "scheduled_stop_utc"]
TIME_FORMAT_HINT = "YYYY-MM-DD HH:MM (UTC)"


# ------------------------------------------------------------------ summary

def subset_summary(payload: dict, mask: np.ndarray) -> dict:
    """Numbers of the subset summary: shown N of T, share scheduled, RA/Dec spans, requested hours shown."""
    b = payload["blocks"]
    shown = int(np.count_nonzero(mask))
    total = int(payload["stats"].get("total_count") or len(b["priority"]))
    out = {"shown": shown, "total": total, "scheduled_shown": 0, "share_scheduled": None, "ra_min": None,
           "ra_max": None, "dec_min": None, "dec_max": None, "requested_hours": 0.0}
    if shown == 0:
        return out
    ra = np.asarray(b["ra_deg"], dtype=float)[mask]
    dec = np.asarray(b["dec_deg"], dtype=float)[mask]
    hours = np.asarray(b["requested_hours"], dtype=float)[mask]
    sched = int(np.count_nonzero(np.asarray(b["scheduled"], dtype=bool)[mask]))
    out.update(scheduled_shown=sched, share_scheduled=100.0 * sched / shown,
               ra_min=float(np.nanmin(ra)), ra_max=float(np.nanmax(ra)),
               dec_min=float(np.nanmin(dec)), dec_max=float(np.nanmax(dec)),
               requested_hours=float(np.nansum(hours)))
    return out


def shown_text(s: dict) -> str:
    return f"{s['shown']:,} of {s['total']:,}"


def span_text(lo: float | None, hi: float | None) -> str:
    if lo is None or hi is None:
        return "–"
    return f"{lo:.1f}°–{hi:.1f}°"


def summary_texts(s: dict) -> list[tuple[str, str, str | None]]:
    """(label, value, detail) for the summary cards."""
    share = "–" if s["share_scheduled"] is None else f"{s['share_scheduled']:.1f} %"
    return [
        ("Blocks shown", shown_text(s), None),
        ("Scheduled (shown)", share, f"{s['scheduled_shown']:,} blocks"),
        ("RA span", span_text(s["ra_min"], s["ra_max"]), None),
        ("Dec span", span_text(s["dec_min"], s["dec_max"]), None),
        ("Requested hours shown", f"{value_text(s['requested_hours'])} h", None),
    ]


# ------------------------------------------------------------------ controls → filters

def mjd_minute_text(mjd: float | None, up: bool = False) -> str:
    """MJD → 'YYYY-MM-DD HH:MM' UTC, rounded down (or up) to the minute; '' when missing."""
    if mjd is None or (isinstance(mjd, float) and math.isnan(mjd)):
        return ""
    minutes = (float(mjd) - MJD_UNIX_EPOCH) * 1440.0
    minutes = math.ceil(minutes - 1e-6) if up else math.floor(minutes + 1e-6)
    return str(utc_texts(np.array([minutes / 1440.0 + MJD_UNIX_EPOCH]))[0])


def window_defaults(stats: dict) -> tuple[str, str]:
    """Default scheduled window texts: earliest start (down to the minute), latest stop (up to the minute)."""
    if not stats.get("scheduled_count"):
        return "", ""
    return (mjd_minute_text(stats.get("scheduled_time_min_mjd")),
            mjd_minute_text(stats.get("scheduled_time_max_mjd"), up=True))


def parse_utc_mjd(text: str | None) -> float | None:
    """'YYYY-MM-DD HH:MM' (UTC; ISO 8601 and MJD also accepted) → MJD; None when empty; ValueError when invalid."""
    if text is None or not str(text).strip():
        return None
    return unix_to_mjd(parse_time_to_unix(str(text).strip()))


@dataclass
class PriorityBounds:
    low: float
    high: float
    step: float
    disabled: bool


def priority_bounds(stats: dict) -> PriorityBounds:
    """Slider bounds = schedule min/max priority (a unit range, disabled, when all priorities are equal)."""
    lo, hi = stats.get("priority_min"), stats.get("priority_max")
    if lo is None or hi is None:
        return PriorityBounds(0.0, 1.0, 0.01, True)
    lo, hi = float(lo), float(hi)
    if hi <= lo:
        return PriorityBounds(lo, lo + 1.0, 0.01, True)
    step = 10.0 ** math.floor(math.log10((hi - lo) / 100.0))
    return PriorityBounds(lo, hi, step, False)


def filters_from_controls(stats: dict, status: str | None, priority: list | None, window_from: str | None,
                          window_to: str | None, defaults: tuple[str, str] | None = None
                          ) -> tuple[SkyFilters, list[str]]:
    """The filter state of the controls, and the names of the window inputs that could not be read.

    A slider end at its bound means no bound (so the default selection keeps everything); a window input left
    at its default or empty means no bound.
    """
    bounds = priority_bounds(stats)
    pmin = pmax = None
    if priority and len(priority) == 2 and not bounds.disabled:
        lo, hi = float(priority[0]), float(priority[1])
        tol = bounds.step / 2.0
        pmin = None if lo <= bounds.low + tol else lo
        pmax = None if hi >= bounds.high - tol else hi
    defaults = defaults or window_defaults(stats)
    bad: list[str] = []
    wfrom = wto = None
    if stats.get("scheduled_count"):
        for name, text, default in (("from", window_from, defaults[0]), ("to", window_to, defaults[1])):
            if text is None or str(text).strip() == default:
                continue
            try:
                value = parse_utc_mjd(text)
            except ValueError:
                bad.append(name)
                continue
            if name == "from":
                wfrom = value
            else:
                wto = value
    return SkyFilters(status=status or "all", priority_min=pmin, priority_max=pmax, window_from_mjd=wfrom,
                      window_to_mjd=wto), bad


# ------------------------------------------------------------------ download

def subset_csv(payload: dict, mask: np.ndarray) -> str:
    """The filtered blocks as CSV (true coordinates, UTC times)."""
    b = take(payload["blocks"], mask)
    sched = np.asarray(b["scheduled"], dtype=bool)
    table = {
        "block_id": b["block_id"], "original_block_id": b["original_block_id"], "ra_deg": b["ra_deg"],
        "dec_deg": b["dec_deg"], "priority": b["priority"], "priority_bin": b["priority_bin"],
        "priority_label": bin_label_array(b["priority_bin"], payload.get("priority_bins")),
        "requested_hours": b["requested_hours"], "scheduled": sched,
        "scheduled_start_utc": np.where(sched, utc_texts(b["scheduled_start_mjd"]), ""),
        "scheduled_stop_utc": np.where(sched, utc_texts(b["scheduled_stop_mjd"]), ""),
    }
    return to_csv(table, CSV_COLUMNS)
