"""Tables (dash-ag-grid) and CSV downloads built from payload tables (dicts of equal-length columns)."""

from __future__ import annotations

import math
from typing import Any, Iterable

import dash_ag_grid as dag
import numpy as np

from tsi.ui.csv_safe import csv_text


def rows_of(table: dict, columns: Iterable[str] | None = None, limit: int | None = None) -> list[dict]:
    """Columnar table → list of row dicts (NaN → None), at most `limit` rows."""
    cols = list(columns) if columns is not None else list(table)
    n = len(table[cols[0]]) if cols else 0
    if limit is not None:
        n = min(n, limit)
    out = []
    for i in range(n):
        row = {}
        for c in cols:
            v = table[c][i]
            if isinstance(v, np.generic):
                v = v.item()
            if isinstance(v, float) and math.isnan(v):
                v = None
            row[c] = v
        out.append(row)
    return out


# dash-ag-grid ≥ 33 themes through the Theming API (CSS class names such as ag-theme-alpine-dark no longer
# apply); these parameters match the Bootswatch "darkly" page.
GRID_THEME = ("themeAlpine.withParams({backgroundColor: '#2b2b2b', foregroundColor: '#e8e8e8', "
              "headerBackgroundColor: '#3a3a3a', oddRowBackgroundColor: '#303030', accentColor: '#00bc8c', "
              "browserColorScheme: 'dark', fontFamily: 'inherit'})")


def grid_options(**extra) -> dict:
    """dashGridOptions with the dark theme (and any extra options).

    No page-size picker: AG Grid's picker is a combobox whose `aria-controls` names a list that exists only
    while it is open (an axe-core critical finding); the pages choose the page size. assets/a11y.js gives the
    grid's empty row containers no row-group role (docs/decisions.md, Accessibility)."""
    return {"theme": {"function": GRID_THEME}, "paginationPageSizeSelector": False,
            "ensureDomOrder": True, **extra}


def grid(id: str, table: dict, columns: list[dict], limit: int = 20000, height: int = 420,
         options: dict | None = None, **kwargs) -> dag.AgGrid:
    """An AG Grid over a payload table; `columns` are AG Grid columnDefs (field = column name)."""
    fields = [c["field"] for c in columns]
    return dag.AgGrid(
        id=id,
        rowData=rows_of(table, fields, limit),
        columnDefs=columns,
        defaultColDef={"sortable": True, "filter": True, "resizable": True},
        dashGridOptions=grid_options(pagination=True, paginationPageSize=50, animateRows=False, **(options or {})),
        style={"height": f"{height}px", "width": "100%"},
        **kwargs,
    )


def to_csv(table: dict, columns: Iterable[str] | None = None) -> str:
    """A payload table as CSV (NaN → empty cell); formula-like text cells get a leading `'` (csv_safe)."""
    cols = list(columns) if columns is not None else list(table)
    return csv_text(cols, ([row[c] for c in cols] for row in rows_of(table, cols)))


def value_text(v: Any, digits: int = 2) -> str:
    """A number for display: '–' when missing, thousands separators, fixed decimals for floats."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "–"
    if isinstance(v, (bool, np.bool_)):
        return "yes" if v else "no"
    if isinstance(v, (int, np.integer)):
        return f"{int(v):,}"
    return f"{float(v):,.{digits}f}"
