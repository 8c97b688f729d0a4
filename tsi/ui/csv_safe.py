"""CSV cells that a spreadsheet opens as text, never as a formula (operations.md §2, "Downloads").

Every CSV download of the app is written through `csv_text` (or `neutralise_cell` / `neutralise_row`).

The rule, cell by cell:

* `None` stays `None` (written as an empty cell); real numbers (`int`, `float`, `bool`, numpy numbers,
  `Decimal`, …) are returned unchanged, NaN included – a negative number stays a number.
* Any other value is looked at as its text (`str(value)`). When that text starts with `=`, `+`, `-`, `@`, a
  tab or a carriage return, the cell becomes that text with a leading `'`, so that the spreadsheet shows it
  as text instead of evaluating it (`=HYPERLINK("x")` → `'=HYPERLINK("x")`, `-2+3` → `'-2+3`).
* Exception, "numbers stay numbers": a text that is a plain finite decimal number – optional sign, digits
  with an optional decimal point, optional exponent, nothing else (no spaces, `inf`, `nan`, hex or `_`) – is
  left as it is (`"-1.5"`, `"+3"`, `"-2e-3"`), since a spreadsheet reads it as that very number and nothing
  more. Anything that merely contains a number (`-2+3`, `-1.5 h`, `\\t-1`) is quoted.
* Text that does not start with one of those characters is unchanged.
"""

from __future__ import annotations

import csv
import io
import numbers
import re
from typing import Any, Iterable

import numpy as np

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def neutralise_cell(value: Any) -> Any:
    """The value to write into a CSV cell: formula-like text gets a leading `'` (see the module docstring)."""
    if value is None or isinstance(value, (numbers.Number, np.bool_)):
        return value
    text = value if isinstance(value, str) else str(value)
    if text.startswith(TRIGGERS) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return value


def neutralise_row(values: Iterable[Any]) -> list:
    """`neutralise_cell` on each value of a row; `None` becomes the empty string."""
    out = []
    for v in values:
        v = neutralise_cell(v)
        out.append("" if v is None else v)
    return out


def csv_text(header: Iterable[Any], rows: Iterable[Iterable[Any]]) -> str:
    """A whole CSV document (header line, then one line per row), every cell through `neutralise_cell`."""
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(neutralise_row(header))
    for row in rows:
        w.writerow(neutralise_row(row))
    return buf.getvalue()
