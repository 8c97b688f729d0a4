"""Home: stored schedules and the upload (flows.md §9).

* Schedule table (AG Grid): name (Markdown link to the Sky Map, the name escaped so it is shown as text), id,
  uploaded (UTC), blocks, scheduled, unscheduled, analytics badge, Open and Delete. Clicking "Delete" opens a
  confirmation modal; confirming deletes through the facade and refreshes the list (and the navbar selector).
* Upload card. Dash has no file input component and `dcc.Upload` reads whole files into the browser as base64,
  which does not suit files of hundreds of MB. So the three file inputs are plain `<input type=file>` elements
  that `assets/upload.js` creates inside the empty `.tsi-file-slot` divs below; the same script sends the files
  with XMLHttpRequest + FormData to `POST /api/schedules` (tsi/upload.py), drives the progress bar and status
  line through `dash_clientside.set_props`, and finally puts `{status, body}` of the response into the
  `home-upload-result` store, which the callback `show_upload_result` turns into the result message.
  The per-file limit reaches the script as the `data-max-bytes` attribute of `#home-upload-card`.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import dash
import dash_ag_grid as dag
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, ctx, dcc, html, no_update

from tsi.auth import protect_output
from tsi.ui.alerts import empty_state, error_alert
from tsi.ui.outputs import HIDE, SHOW, unchanged
from tsi.ui.tables import GRID_THEME
from tsi.ui.home_parts import (
    EMPTY_TEXT,
    database_failure_text,
    delete_question,
    schedule_columns,
    schedule_rows,
    size_text,
    upload_result_view,
    upload_succeeded,
)

dash.register_page(__name__, path="/", name="Home", order=0)

UPLOAD_ENDPOINT = "/api/schedules"
# ------------------------------------------------------------------------------------------ schedule list

class ListOutputs(NamedTuple):
    """The schedule list: grid rows, grid wrapper style, message, and the navbar selector's options."""
    rows: Any
    grid_style: Any
    message: Any
    options: Any


def _load_list() -> ListOutputs:
    """The schedule list for the current database state (the selector keeps its options on an error)."""
    from tsi import data
    from tsi.config import get_settings
    from tsi.errors import DatabaseError

    try:
        schedules = data.list_schedules()
    except (DatabaseError, OSError) as e:  # OSError: e.g. the SQLite directory cannot be created
        msg = dbc.Alert(database_failure_text(e, get_settings()), color="danger", className="tsi-error")
        return ListOutputs(rows=[], grid_style=HIDE, message=msg, options=no_update)
    except Exception as e:  # noqa: BLE001 - shown to the user as a message
        return ListOutputs(rows=[], grid_style=HIDE, message=error_alert(e), options=no_update)
    options = [{"label": f"{s['name']} ({s['schedule_id']})", "value": s["schedule_id"]} for s in schedules]
    if not schedules:
        return ListOutputs(rows=[], grid_style=HIDE, message=empty_state(EMPTY_TEXT), options=options)
    return ListOutputs(rows=schedule_rows(schedules), grid_style=SHOW, message=None, options=options)


def _grid(rows, can_delete: bool = True):
    return dag.AgGrid(
        id="home-grid",
        rowData=rows,
        columnDefs=schedule_columns(can_delete),
        getRowId="params.data.row_id",
        defaultColDef={"sortable": True, "filter": True, "resizable": True},
        dashGridOptions={"domLayout": "autoHeight", "pagination": True, "paginationPageSize": 20,
                         "paginationPageSizeSelector": False, "animateRows": False,
                         "tooltipShowDelay": 300,
                         "theme": {"function": GRID_THEME}},
        style={"width": "100%"},
    )


def _delete_modal():
    return dbc.Modal([
        dbc.ModalHeader(dbc.ModalTitle("Delete schedule")),
        dbc.ModalBody(id="home-delete-question"),
        dbc.ModalFooter([
            dbc.Button("Cancel", id="home-delete-cancel", color="secondary", className="me-2"),
            dbc.Button("Delete", id="home-delete-confirm", color="danger"),
        ]),
    ], id="home-delete-modal", is_open=False, centered=True)


# ------------------------------------------------------------------------------------------ upload card

def _file_slot(field: str, label: str, hint: str):
    return dbc.Col([
        html.Label(label, htmlFor=f"home-file-{field}", className="form-label"),
        # assets/upload.js puts <input type="file" id="home-file-<field>"> into this div
        html.Div(className="tsi-file-slot", id=f"home-file-{field}-slot", **{"data-field": field}),
        html.Div(hint, className="form-text"),
    ], md=4, className="mb-3")


def _upload_card(max_bytes: int):
    limit = f"at most {size_text(max_bytes)} ({max_bytes:,} bytes) per file"
    body = dbc.CardBody([
        dbc.Row([
            _file_slot("schedule", "Schedule file (required)", f"F1 scheduler dump or F2 single file; {limit}."),
            _file_slot("visibility", "Visibility file (optional, F1)", "Possible periods per block."),
            _file_slot("dark", "Dark-periods file (optional, F1)", "Nights at the site."),
        ]),
        dbc.Row([
            dbc.Col([
                dbc.Label("Name (optional)", html_for="home-upload-name"),
                dbc.Input(id="home-upload-name", type="text", maxLength=256, debounce=True,
                          placeholder="defaults to the F2 name, else the file name"),
            ], md=8, className="mb-3"),
            dbc.Col(dbc.Button("Upload", id="home-upload-button", color="primary", disabled=True,
                               className="w-100"), md=4, className="mb-3 d-flex align-items-end"),
        ]),
        html.Div(dbc.Progress(id="home-upload-progress", value=0, label="", style={"height": "1.4rem"}),
                 id="home-upload-progress-wrap", style=HIDE, className="mb-2"),
        html.Div(id="home-upload-status", className="text-muted small mb-2", **{"aria-live": "polite"}),
        html.Div(id="home-upload-message"),
        dcc.Store(id="home-upload-result"),
    ])
    card = dbc.Card([dbc.CardHeader("Upload a schedule"), body], className="tsi-upload-card")
    return html.Div(card, id="home-upload-card",
                    **{"data-max-bytes": str(int(max_bytes)), "data-endpoint": UPLOAD_ENDPOINT})


# ------------------------------------------------------------------------------------------ layout

def layout(schedule=None, **_query):
    from tsi.config import get_settings

    from tsi import auth

    schedules = _load_list()
    editor = auth.has_role("editor")  # a courtesy: the facade refuses a viewer's upload or delete anyway
    upload = _upload_card(int(get_settings().UPLOAD.MAX_BYTES))
    return html.Div([
        html.H1("Schedules", className="h2 mb-3"),
        dcc.Store(id="home-refresh", data=0),
        dcc.Store(id="home-delete-target"),
        html.Div(schedules.message, id="home-list-message"),
        html.Div(id="home-delete-message"),
        html.Div(_grid(schedules.rows, can_delete=editor), id="home-grid-wrap", style=schedules.grid_style,
                 className="mb-4"),
        _delete_modal(),
        upload if editor else html.Div([
            dbc.Alert("Uploading and deleting schedules needs the editor role.", color="secondary",
                      id="home-viewer-note"),
            html.Div(upload, hidden=True),
        ]),
    ], className="tsi-home")


# ------------------------------------------------------------------------------------------ callbacks

LIST_OUTPUTS = ListOutputs(rows=Output("home-grid", "rowData"), grid_style=Output("home-grid-wrap", "style"),
                           message=Output("home-list-message", "children"),
                           options=Output("schedule-selector", "options", allow_duplicate=True))


@callback(output=LIST_OUTPUTS, inputs=[Input("home-refresh", "data")], prevent_initial_call=True)
def refresh_list(_n):
    return _load_list()


class UploadResultOutputs(NamedTuple):
    message: Any
    refresh: Any


UPLOAD_RESULT_OUTPUTS = UploadResultOutputs(message=Output("home-upload-message", "children"),
                                            refresh=Output("home-refresh", "data", allow_duplicate=True))


@callback(output=UPLOAD_RESULT_OUTPUTS, inputs=[Input("home-upload-result", "data")],
          state=[State("home-refresh", "data")], prevent_initial_call=True)
def show_upload_result(result, n):
    return UploadResultOutputs(message=upload_result_view(result),
                               refresh=((n or 0) + 1) if upload_succeeded(result) else no_update)


class AskDeleteOutputs(NamedTuple):
    modal_open: Any
    question: Any
    target: Any


ASK_DELETE_OUTPUTS = AskDeleteOutputs(modal_open=Output("home-delete-modal", "is_open"),
                                      question=Output("home-delete-question", "children"),
                                      target=Output("home-delete-target", "data"))


@callback(output=ASK_DELETE_OUTPUTS, inputs=[Input("home-grid", "cellClicked")],
          state=[State("home-grid", "rowData")], prevent_initial_call=True)
def ask_delete(cell, rows):
    if not cell or cell.get("colId") != "delete":
        return unchanged(ASK_DELETE_OUTPUTS)
    row = next((r for r in rows or [] if r.get("row_id") == str(cell.get("rowId"))), None)
    if row is None:
        return unchanged(ASK_DELETE_OUTPUTS)
    target = {"schedule_id": row["schedule_id"], "name": row["name"]}
    return AskDeleteOutputs(modal_open=True, question=delete_question(row["name"], row["schedule_id"]),
                            target=target)


protect_output("home-delete-message", "editor", "delete schedules")


class DeleteOutputs(NamedTuple):
    modal_open: Any
    message: Any
    refresh: Any


DELETE_OUTPUTS = DeleteOutputs(modal_open=Output("home-delete-modal", "is_open", allow_duplicate=True),
                               message=Output("home-delete-message", "children"),
                               refresh=Output("home-refresh", "data"))


@callback(output=DELETE_OUTPUTS,
          inputs=[Input("home-delete-confirm", "n_clicks"), Input("home-delete-cancel", "n_clicks")],
          state=[State("home-delete-target", "data"), State("home-refresh", "data")], prevent_initial_call=True)
def confirm_delete(_confirm, _cancel, target, n):
    if ctx.triggered_id != "home-delete-confirm" or not target:
        return DeleteOutputs(modal_open=False, message=no_update, refresh=no_update)
    from tsi import data

    sid, name = int(target["schedule_id"]), str(target["name"])
    try:
        removed = data.delete_schedule(sid)
    except Exception as e:  # noqa: BLE001 - shown to the user as a message
        return DeleteOutputs(modal_open=False, message=error_alert(e), refresh=(n or 0) + 1)
    text = (f"Deleted schedule '{name}' (id {sid})." if removed
            else f"Schedule {sid} does not exist (it may have been deleted).")
    alert = dbc.Alert(text, color="success" if removed else "warning", dismissable=True, duration=8000,
                      className="tsi-delete-result")
    return DeleteOutputs(modal_open=False, message=alert, refresh=(n or 0) + 1)
