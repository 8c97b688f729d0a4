"""Insights reports (flows.md §5): Markdown and a self-contained HTML page.

Both contain the schedule's name and id, the data source, the time of generation (UTC), the metrics, the automated
insights, the correlations, the top lists and the first 100 conflicts. The HTML report has inline CSS only (no
external assets, no scripts) and escapes every text taken from the data.
"""

from __future__ import annotations

import html
import math
from datetime import datetime, timezone
from typing import Any, Mapping

from tsi.analysis.insights_text import insight_texts, variable_label
from tsi.timeparse import format_mjd

__all__ = ["markdown_report", "html_report", "metric_rows", "MAX_CONFLICTS", "report_filename"]

MAX_CONFLICTS = 100

# (key, label, kind) — kind: int | pct | float | hours
METRICS = [
    ("schedule_total", "Blocks in the schedule", "int"),
    ("impossible_count", "Impossible blocks (no visibility)", "int"),
    ("included", "Blocks included", "int"),
    ("scheduled_count", "Scheduled", "int"),
    ("unscheduled_count", "Unscheduled", "int"),
    ("scheduling_rate", "Scheduling rate", "pct"),
    ("priority_mean", "Priority mean", "float"),
    ("priority_median", "Priority median", "float"),
    ("priority_std", "Priority std", "float"),
    ("priority_scheduled_mean", "Priority mean (scheduled)", "float"),
    ("priority_scheduled_median", "Priority median (scheduled)", "float"),
    ("priority_unscheduled_mean", "Priority mean (unscheduled)", "float"),
    ("priority_unscheduled_median", "Priority median (unscheduled)", "float"),
    ("visibility_total_hours", "Total visibility (h)", "float"),
    ("visibility_mean_hours", "Mean visibility (h)", "float"),
    ("requested_total_hours", "Total requested time (h)", "float"),
    ("requested_mean_hours", "Mean requested time (h)", "float"),
    ("scheduled_total_hours", "Total scheduled time (h)", "float"),
    ("conflict_count", "Scheduling conflicts", "int"),
]

TOP_COLUMNS = [
    ("block_id", "Block"), ("original_block_id", "Original id"), ("priority", "Priority"),
    ("total_visibility_hours", "Visibility (h)"), ("requested_hours", "Requested (h)"), ("scheduled", "Scheduled"),
]
CONFLICT_COLUMNS = [
    ("block_id_1", "Block 1"), ("original_block_id_1", "Original id 1"), ("start_1_mjd", "Start 1 (UTC)"),
    ("stop_1_mjd", "Stop 1 (UTC)"), ("block_id_2", "Block 2"), ("original_block_id_2", "Original id 2"),
    ("start_2_mjd", "Start 2 (UTC)"), ("stop_2_mjd", "Stop 2 (UTC)"), ("overlap_hours", "Overlap (h)"),
]


def _missing(v: Any) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v))


def _scalar(v: Any) -> Any:
    return v.item() if hasattr(v, "item") else v


def fmt(v: Any, kind: str = "float") -> str:
    v = _scalar(v)
    if _missing(v):
        return "n/a"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if kind == "int":
        return f"{int(v):,}"
    if kind == "pct":
        return f"{100.0 * float(v):.1f}%"
    if kind == "mjd":
        return format_mjd(float(v))
    if isinstance(v, int):
        return f"{v:,}"
    if isinstance(v, float):
        return f"{v:,.2f}"
    return str(v)


def metric_rows(metrics: Mapping[str, Any]) -> list[tuple[str, str]]:
    return [(label, fmt(metrics.get(key), kind)) for key, label, kind in METRICS if key in metrics]


def _cell(col: str, v: Any) -> str:
    if col.endswith("_mjd"):
        return fmt(v, "mjd")
    if col.startswith("block_id") or col == "block_id":
        return fmt(v, "int")
    return fmt(v)


def _table_rows(table: Mapping[str, Any] | None, columns: list[tuple[str, str]], limit: int | None = None):
    if not table:
        return []
    n = len(table[columns[0][0]]) if columns[0][0] in table else 0
    if limit is not None:
        n = min(n, limit)
    return [[_cell(c, table[c][i]) for c, _ in columns] for i in range(n)]


def _generated(generated_at: datetime | None) -> str:
    t = generated_at or datetime.now(timezone.utc)
    if t.tzinfo is None:
        t = t.replace(tzinfo=timezone.utc)
    return t.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def _correlation_rows(correlations: Mapping[str, Any] | None) -> list[list[str]]:
    if not correlations:
        return []
    return [[variable_label(str(a)), variable_label(str(b)), fmt(r)]
            for a, b, r in zip(correlations["variable_1"], correlations["variable_2"], correlations["rho"])]


def _conflict_note(payload: Mapping[str, Any]) -> str:
    total = int(_scalar(payload.get("metrics", {}).get("conflict_count", 0)) or 0)
    listed = len(payload.get("conflicts", {}).get("block_id_1", []))
    if total == 0:
        return "No scheduling conflicts."
    shown = min(listed, MAX_CONFLICTS)
    return f"{total:,} scheduling conflicts; the first {shown:,} are listed."


def report_filename(header: Mapping[str, Any], ext: str) -> str:
    return f"tsi-insights-schedule-{int(header['schedule_id'])}.{ext}"


# ------------------------------------------------------------------ Markdown

def _md_text(s: Any) -> str:
    """Text safe inside a Markdown table cell or line: no HTML, no table breaks, no emphasis surprises."""
    out = str(s).replace("\\", "\\\\").replace("\r", " ").replace("\n", " ")
    for ch in "|*_`[]<>#":
        out = out.replace(ch, "\\" + ch)
    return out


def _md_table(head: list[str], rows: list[list[str]]) -> list[str]:
    if not rows:
        return ["_None._", ""]
    lines = ["| " + " | ".join(_md_text(h) for h in head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(_md_text(c) for c in r) + " |" for r in rows]
    return lines + [""]


def markdown_report(header: Mapping[str, Any], payload: Mapping[str, Any], *, source: str,
                    exclude_impossible: bool = False, generated_at: datetime | None = None) -> str:
    lines = [
        f"# Insights report — {_md_text(header['name'])}", "",
        f"- Schedule: {_md_text(header['name'])} (id {int(header['schedule_id'])})",
        f"- Data source: {_md_text(source)}",
        f"- Generated: {_generated(generated_at)}",
        f"- Impossible blocks: {'excluded' if exclude_impossible else 'included'}", "",
        "## Metrics", "",
        *_md_table(["Metric", "Value"], [list(r) for r in metric_rows(payload.get("metrics", {}))]),
        "## Insights", "",
        *[f"- {_md_text(t)}" for t in insight_texts(payload, exclude_impossible)], "",
        "## Correlations (Spearman)", "",
        *_md_table(["Variable 1", "Variable 2", "ρ"], _correlation_rows(payload.get("correlations"))),
        "## Top blocks by priority", "",
        *_md_table([h for _, h in TOP_COLUMNS], _table_rows(payload.get("top_priority"), TOP_COLUMNS)),
        "## Top blocks by visibility", "",
        *_md_table([h for _, h in TOP_COLUMNS], _table_rows(payload.get("top_visibility"), TOP_COLUMNS)),
        "## Scheduling conflicts", "",
        _md_text(_conflict_note(payload)), "",
        *_md_table([h for _, h in CONFLICT_COLUMNS],
                   _table_rows(payload.get("conflicts"), CONFLICT_COLUMNS, MAX_CONFLICTS)),
    ]
    return "\n".join(lines).rstrip() + "\n"


# ------------------------------------------------------------------ HTML

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;margin:2rem;color:#222;background:#fff}
h1{font-size:1.6rem}h2{font-size:1.2rem;margin-top:1.8rem;border-bottom:1px solid #ccc}
table{border-collapse:collapse;margin:.5rem 0;font-size:.9rem}
th,td{border:1px solid #ccc;padding:.25rem .6rem;text-align:left}th{background:#f0f0f0}
td.num{text-align:right}.meta{color:#555}
""".strip()


def _h(s: Any) -> str:
    return html.escape(str(s), quote=True)


def _html_table(head: list[str], rows: list[list[str]]) -> str:
    if not rows:
        return "<p><em>None.</em></p>"
    out = ["<table>", "<thead><tr>" + "".join(f"<th>{_h(c)}</th>" for c in head) + "</tr></thead>", "<tbody>"]
    out += ["<tr>" + "".join(f"<td>{_h(c)}</td>" for c in r) + "</tr>" for r in rows]
    out += ["</tbody>", "</table>"]
    return "\n".join(out)


def html_report(header: Mapping[str, Any], payload: Mapping[str, Any], *, source: str,
                exclude_impossible: bool = False, generated_at: datetime | None = None) -> str:
    name = _h(header["name"])
    sid = int(header["schedule_id"])
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        f"<title>Insights report — {name} (id {sid})</title>",
        f"<style>{_CSS}</style>",
        "</head>",
        "<body>",
        f"<h1>Insights report — {name}</h1>",
        '<ul class="meta">',
        f"<li>Schedule: {name} (id {sid})</li>",
        f"<li>Data source: {_h(source)}</li>",
        f"<li>Generated: {_h(_generated(generated_at))}</li>",
        f"<li>Impossible blocks: {'excluded' if exclude_impossible else 'included'}</li>",
        "</ul>",
        "<h2>Metrics</h2>",
        _html_table(["Metric", "Value"], [list(r) for r in metric_rows(payload.get("metrics", {}))]),
        "<h2>Insights</h2>",
        "<ul>" + "".join(f"<li>{_h(t)}</li>" for t in insight_texts(payload, exclude_impossible)) + "</ul>",
        "<h2>Correlations (Spearman)</h2>",
        _html_table(["Variable 1", "Variable 2", "ρ"], _correlation_rows(payload.get("correlations"))),
        "<h2>Top blocks by priority</h2>",
        _html_table([h for _, h in TOP_COLUMNS], _table_rows(payload.get("top_priority"), TOP_COLUMNS)),
        "<h2>Top blocks by visibility</h2>",
        _html_table([h for _, h in TOP_COLUMNS], _table_rows(payload.get("top_visibility"), TOP_COLUMNS)),
        "<h2>Scheduling conflicts</h2>",
        f"<p>{_h(_conflict_note(payload))}</p>",
        _html_table([h for _, h in CONFLICT_COLUMNS],
                    _table_rows(payload.get("conflicts"), CONFLICT_COLUMNS, MAX_CONFLICTS)),
        "</body>",
        "</html>",
    ]
    return "\n".join(parts) + "\n"
