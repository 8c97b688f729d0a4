"""The selected schedule lives in the URL: `?schedule=<id>` (Compare adds `&with=<id>`).

Schedule ids are read from URLs in one place, :func:`schedule_id_or_none`: the pages (`?schedule=`, `?with=`),
the navigation bar's selector and the HTTP API (`/api/schedules/<id>`, `with=`) all use it. An id is written
in ASCII digits only and lies in 1 ≤ id < 2^63 (the database's signed 64-bit key); anything else — signs,
blanks, `²`, other scripts' digits, `1_000`, values past 2^63 − 1 — is not an id.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlencode

MAX_SCHEDULE_ID = 2**63 - 1
_DIGITS = re.compile(r"[0-9]+")


def parse_search(search: str | None) -> dict[str, str]:
    """'?schedule=3&with=2' → {'schedule': '3', 'with': '2'} (first value of each key)."""
    q = parse_qs((search or "").lstrip("?"), keep_blank_values=True)
    return {k: v[0] for k, v in q.items() if v}


def with_params(path: str, params: dict[str, object]) -> str:
    """A link to `path` carrying the non-empty parameters."""
    clean = {k: v for k, v in params.items() if v not in (None, "")}
    return f"{path}?{urlencode(clean)}" if clean else path


def schedule_id_or_none(value: object) -> int | None:
    """The schedule id `value` spells (ASCII digits, 1 ≤ id < 2^63; an int is taken as is), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 1 <= value <= MAX_SCHEDULE_ID else None
    if not isinstance(value, str) or not _DIGITS.fullmatch(value):
        return None
    digits = value.lstrip("0")
    if not digits or len(digits) > 19:  # 0, or more digits than 2^63 − 1 has (never int() a huge string)
        return None
    i = int(digits)
    return i if i <= MAX_SCHEDULE_ID else None


def parse_schedule_id(value: object) -> tuple[int | None, str | None]:
    """(id, None) for a valid id, (None, None) when absent, (None, message) when not an id."""
    if value is None or value == "":
        return None, None
    i = schedule_id_or_none(value)
    if i is None:
        return None, f"Invalid schedule id '{value}'"
    return i, None
