"""Data Source page helpers (flows.md §10): facts, freshness rows and the parity report as table rows.

Every text that may carry configuration goes through `mask_secrets` (architecture.md §6).
"""

from __future__ import annotations

import math
from collections import OrderedDict
from typing import Any

from tsi.secrets import mask_secrets

RESULT_LABELS = {"identical": "identical", "different": "different", "error": "error",
                 "stale": "skipped: analytics missing"}
STATE_COLORS = {"fresh": "success", "stale": "warning", "missing": "danger"}
FLOW_ORDER = ("sky_map", "distributions", "visibility_map", "timeline", "insights", "trends", "compare",
              "validation")
PARITY_COLUMNS = [
    {"field": "flow", "headerName": "Flow", "width": 125},
    {"field": "parameters", "headerName": "Parameters", "flex": 2, "minWidth": 200, "tooltipField": "parameters"},
    {"field": "result", "headerName": "Result", "width": 175},
    {"field": "diff_path", "headerName": "First difference", "flex": 1, "minWidth": 140, "tooltipField": "diff_path"},
    {"field": "legacy_value", "headerName": "Legacy value", "width": 115, "tooltipField": "legacy_value"},
    {"field": "etl_value", "headerName": "ETL value", "width": 105, "tooltipField": "etl_value"},
    {"field": "legacy_ms", "headerName": "Legacy ms", "width": 105, "type": "numericColumn"},
    {"field": "etl_ms", "headerName": "ETL ms", "width": 95, "type": "numericColumn"},
    {"field": "speedup", "headerName": "Speed-up", "width": 100, "type": "numericColumn"},
]
STATUS_COLUMNS = [
    {"field": "schedule_id", "headerName": "Id", "width": 80},
    {"field": "name", "headerName": "Name", "flex": 1, "minWidth": 200},
    {"field": "state", "headerName": "Analytics", "width": 120},
    {"field": "etl_version", "headerName": "ETL version", "width": 120},
    {"field": "computed_at", "headerName": "Computed at (UTC)", "width": 170},
    {"field": "checksum_match", "headerName": "Checksum match", "width": 150},
]


AUDIT_COLUMNS = [
    {"field": "at", "headerName": "At (UTC)", "width": 190},
    {"field": "user", "headerName": "User", "width": 160},
    {"field": "role", "headerName": "Role", "width": 100},
    {"field": "action", "headerName": "Action", "width": 170},
    {"field": "schedule_id", "headerName": "Schedule", "width": 110},
    {"field": "client_address", "headerName": "From", "width": 140},
    {"field": "detail", "headerName": "Detail", "flex": 1, "minWidth": 240},
]


def audit_rows(entries: list[dict]) -> list[dict]:
    """`tsi.auth.audit.entries()` → rows of the audit table (detail as compact `key=value` text)."""
    out = []
    for e in entries:
        detail = e.get("detail") or {}
        out.append({
            "row_id": str(e["id"]),
            "at": str(e["at"]).replace("T", " ").rstrip("Z"),
            "user": e.get("user") or "–",
            "role": e.get("role") or "–",
            "action": e["action"],
            "schedule_id": "" if e.get("schedule_id") is None else e["schedule_id"],
            "client_address": e.get("client_address") or "console",
            "detail": ", ".join(f"{k}={v}" for k, v in detail.items()) if isinstance(detail, dict) else str(detail),
        })
    return out


def iso_utc_text(value: str | None) -> str:
    """'2026-11-26T13:01:26.730Z' → '2026-11-26 13:01' ('' when missing)."""
    if not value:
        return ""
    return str(value).replace("T", " ")[:16]


def facts(settings: Any, source: str, etl_version: Any) -> list[tuple[str, str, str, str]]:
    """(id suffix, label, value, note) for the facts card, every value masked."""
    from tsi.db.targets import masked_target

    backend = str(settings.DATABASE.BACKEND)
    rows = [
        ("source", "Data source in force", str(source),
         "DATA_SOURCE is read once at start-up; it is changed through settings and a restart."),
        ("database", "Database", f"{backend} {masked_target(settings)}", "backend and target (secrets masked)"),
        ("cache", "Cache", str(settings.CACHE.TYPE), "server-side payload cache"),
        ("etl-version", "ETL version of this build", str(etl_version),
         "analytics computed by another version are out of date"),
    ]
    return [(k, mask_secrets(label), mask_secrets(value), mask_secrets(note)) for k, label, value, note in rows]


def status_rows(status: list[dict]) -> list[dict]:
    """`tsi.data.etl_status()` → rows of the schedule table."""
    out = []
    for s in status:
        cm = s.get("checksum_match")
        out.append({
            "schedule_id": s["schedule_id"],
            "name": s["name"],
            "state": s["state"],
            "etl_version": "–" if s.get("etl_version") is None else s["etl_version"],
            "computed_at": iso_utc_text(s.get("updated_at")),
            "checksum_match": "–" if cm is None else ("yes" if cm else "no"),
        })
    return out


def _short(v: Any) -> str:
    if isinstance(v, (list, tuple)):
        if len(v) <= 3:
            return "[" + ", ".join(str(x) for x in v) + "]"
        return f"[{v[0]}, {v[1]}, … {len(v)} items]"
    if isinstance(v, float):
        return f"{v:g}"
    return str(v)


def params_text(params: dict) -> str:
    if not params:
        return "(defaults)"
    return ", ".join(f"{k}={_short(v)}" for k, v in params.items())


def _value_text(v: Any) -> str:
    if v is None:
        return "null"
    if isinstance(v, float) and math.isnan(v):
        return "NaN"
    return mask_secrets(str(v))[:80]


def speedup(legacy_ms: float | None, etl_ms: float | None) -> str:
    if legacy_ms is None or etl_ms is None or etl_ms <= 0:
        return ""
    return f"×{legacy_ms / etl_ms:.1f}"


def parity_rows(report: dict) -> list[dict]:
    """The report of `tsi.parity.run(...).as_dict()` → rows of the results table."""
    rows = []
    for r in report["rows"]:
        d = r.get("difference") or {}
        if d:
            path, lv, ev = mask_secrets(d.get("path", "")), _value_text(d.get("legacy")), _value_text(d.get("etl"))
        else:
            path, lv, ev = (mask_secrets(r["error"]) if r.get("error") and r["result"] == "error" else ""), "", ""
        rows.append({
            "flow": r["flow"],
            "parameters": params_text(r.get("params") or {}),
            "result": RESULT_LABELS.get(r["result"], r["result"]),
            "diff_path": path,
            "legacy_value": lv,
            "etl_value": ev,
            "legacy_ms": None if r.get("legacy_ms") is None else round(float(r["legacy_ms"]), 1),
            "etl_ms": None if r.get("etl_ms") is None else round(float(r["etl_ms"]), 1),
            "speedup": speedup(r.get("legacy_ms"), r.get("etl_ms")),
        })
    return rows


def flow_results(report: dict) -> "OrderedDict[str, bool]":
    """flow → identical (a flow is identical when every one of its parameter sets is)."""
    seen: dict[str, bool] = {}
    for r in report["rows"]:
        seen[r["flow"]] = seen.get(r["flow"], True) and r["result"] == "identical"
    ordered = [f for f in FLOW_ORDER if f in seen] + [f for f in seen if f not in FLOW_ORDER]
    return OrderedDict((f, seen[f]) for f in ordered)


def flow_summary(report: dict) -> tuple[int, int, str]:
    """(identical flows, flows, '8/8 flows identical')."""
    res = flow_results(report)
    ok = sum(1 for v in res.values() if v)
    return ok, len(res), f"{ok}/{len(res)} flows identical"
