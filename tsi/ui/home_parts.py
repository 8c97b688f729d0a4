"""Pure helpers of the Home page (flows.md §9): schedule table rows and columns, messages, upload results.

No I/O here: `pages/home.py` calls the facade and feeds these functions.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from typing import Any

import dash_bootstrap_components as dbc
from dash import dcc, html

from tsi.ui.urls import with_params

EMPTY_TEXT = "No schedules yet — upload one below, or run `tsi demo`."
PROCESSING_TEXT = "Processing: parsing, validating, storing, computing analytics…"
ANALYTICS_STATES = ("fresh", "stale", "missing")

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~&])")


def escape_markdown(text: str) -> str:
    """Text that a Markdown renderer shows literally (no links, emphasis or HTML from a schedule name)."""
    return _MD_SPECIAL.sub(r"\\\1", str(text)).replace("\n", " ")


def sky_map_href(schedule_id: int) -> str:
    return with_params("/sky-map", {"schedule": int(schedule_id)})


def utc_minutes(ts: str | None) -> str:
    """'2026-11-26T13:07:07.588Z' → '2026-11-26 13:07' (UTC); unparsable text is shown as it is."""
    if not ts:
        return ""
    try:
        t = datetime.fromisoformat(str(ts).replace("Z", "+00:00"))
    except ValueError:
        return str(ts)
    if t.tzinfo is not None:
        t = t.astimezone(timezone.utc)
    return t.strftime("%Y-%m-%d %H:%M")


def schedule_rows(schedules: list[dict]) -> list[dict]:
    """`tsi.data.list_schedules()` rows → AG Grid rows (newest first, as given)."""
    out = []
    for s in schedules:
        sid = int(s["schedule_id"])
        href = sky_map_href(sid)
        out.append({
            "row_id": str(sid),
            "schedule_id": sid,
            "name": str(s["name"]),
            "name_link": f"[{escape_markdown(s['name'])}]({href})",
            "uploaded": utc_minutes(s.get("upload_timestamp")),
            "blocks": int(s["blocks"]),
            "scheduled": int(s["scheduled"]),
            "unscheduled": int(s["unscheduled"]),
            "analytics": str(s["analytics"]),
            "open": f"[Open]({href})",
            "delete": "Delete",
        })
    return out


def schedule_columns(can_delete: bool = True) -> list[dict]:
    """AG Grid column definitions of the schedule table (renderers `TsiAnalyticsBadge`, `TsiDeleteButton` are
    defined in assets/home_grid.js); no delete column for a user who may not delete."""
    number = {"type": "numericColumn", "width": 125, "filter": False}
    return [
        {"field": "name_link", "headerName": "Name", "cellRenderer": "markdown", "flex": 2, "minWidth": 220,
         "filter": "agTextColumnFilter", "filterValueGetter": {"function": "params.data.name"},
         "tooltipField": "name"},
        {"field": "schedule_id", "headerName": "Id", **number, "width": 80},
        {"field": "uploaded", "headerName": "Uploaded (UTC)", "width": 165, "filter": False},
        {"field": "blocks", "headerName": "Blocks", **number},
        {"field": "scheduled", "headerName": "Scheduled", **number},
        {"field": "unscheduled", "headerName": "Unscheduled", **number, "width": 135},
        {"field": "analytics", "headerName": "Analytics", "width": 135, "cellRenderer": "TsiAnalyticsBadge",
         "cellClass": "tsi-analytics-cell"},
        {"field": "open", "headerName": "", "cellRenderer": "markdown", "width": 85, "sortable": False,
         "filter": False, "cellClass": "tsi-open-cell"},
        {"field": "delete", "headerName": "", "cellRenderer": "TsiDeleteButton", "width": 100,
         "sortable": False, "filter": False, "cellClass": "tsi-delete-cell"},
    ][: None if can_delete else -1]


def delete_question(name: str, schedule_id: int) -> str:
    return (f"Delete schedule '{name}' (id {int(schedule_id)})? Its blocks and analytics are removed; "
            "this cannot be undone.")


def database_failure_text(exc: Exception, settings: Any) -> str:
    """'Cannot reach the database (<backend>, <masked target>): <reason>. Run `tsi db check`.'"""
    from tsi.db.targets import masked_target
    from tsi.secrets import mask_secrets

    try:
        target = masked_target(settings)
    except Exception:  # noqa: BLE001 - the message must render even with odd settings
        target = "unknown target"
    backend = str(settings.DATABASE.BACKEND)
    reason = mask_secrets(str(exc)).strip().rstrip(".") or type(exc).__name__
    return f"Cannot reach the database ({backend}, {target}): {reason}. Run `tsi db check`."


def size_text(n: int) -> str:
    """Bytes as 'X.X MB' (decimal megabytes, as the upload progress shows them)."""
    return f"{n / 1e6:.1f} MB"


def problem_line(p: dict) -> str:
    """`<file>: <path>: expected <expectation>; got <actual>` (input-formats.md §6)."""
    return f"{p.get('file', '')}: {p.get('path', '')}: expected {p.get('expected', '')}; got {p.get('got', '')}"


def parse_result(result: dict | None) -> tuple[int, dict | None]:
    """The hidden store's value `{"status": int, "body": "<response text>"}` → (status, parsed body)."""
    if not result:
        return 0, None
    status = int(result.get("status") or 0)
    body = result.get("body")
    if isinstance(body, str):
        try:
            body = json.loads(body)
        except ValueError:
            body = None
    return status, body if isinstance(body, dict) else None


def _open_link(schedule_id: int):
    return dcc.Link("Open", href=sky_map_href(schedule_id), className="ms-2 alert-link tsi-open-link")


def upload_result_view(result: dict | None):
    """The message under the upload card for one finished (or refused) upload."""
    status, body = parse_result(result)
    if status == 0 and body is None:
        return None
    if status in (200, 201) and body and "schedule_id" in body:
        sid = int(body["schedule_id"])
        if body.get("created", status == 201):
            text = (f"Stored '{body['name']}' (id {sid}): {int(body['blocks'])} blocks, "
                    f"{int(body['scheduled'])} scheduled.")
            color = "success"
        else:
            text = f"Already stored as '{body['name']}' (id {sid})."
            color = "info"
        children: list = [html.Span(text, className="tsi-upload-outcome"), _open_link(sid)]
        warnings = [str(w) for w in body.get("warnings") or []]
        if warnings:
            children.append(html.Ul([html.Li(w) for w in warnings], className="mb-0 mt-2 tsi-upload-warnings"))
        return dbc.Alert(children, color=color, className="tsi-upload-result mb-0")
    if body is None:
        return dbc.Alert(f"Upload failed: the server answered HTTP {status} without a readable message.",
                         color="danger", className="tsi-upload-result mb-0")
    kind = body.get("error")
    message = str(body.get("message") or "")
    if kind == "format":
        lines = [problem_line(p) for p in body.get("problems") or []]
        head = message.splitlines()[0] if message else "The files were rejected."
        return dbc.Alert([html.Div(head, className="fw-bold"),
                          html.Ul([html.Li(x, className="tsi-problem") for x in lines], className="mb-0 mt-2")],
                         color="danger", className="tsi-upload-result mb-0")
    if kind == "database":
        return dbc.Alert(f"Database error: {message}", color="danger", className="tsi-upload-result mb-0")
    return dbc.Alert(message or f"Upload failed (HTTP {status}).", color="danger",
                     className="tsi-upload-result mb-0")


def upload_succeeded(result: dict | None) -> bool:
    status, body = parse_result(result)
    return status in (200, 201) and bool(body) and "schedule_id" in body
