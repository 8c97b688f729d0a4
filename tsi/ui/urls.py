"""The selected schedule lives in the URL: `?schedule=<id>` (Compare adds `&with=<id>`)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlencode


def parse_search(search: str | None) -> dict[str, str]:
    """'?schedule=3&with=2' → {'schedule': '3', 'with': '2'} (first value of each key)."""
    q = parse_qs((search or "").lstrip("?"), keep_blank_values=True)
    return {k: v[0] for k, v in q.items() if v}


def with_params(path: str, params: dict[str, object]) -> str:
    """A link to `path` carrying the non-empty parameters."""
    clean = {k: v for k, v in params.items() if v not in (None, "")}
    return f"{path}?{urlencode(clean)}" if clean else path


def parse_schedule_id(value: object) -> tuple[int | None, str | None]:
    """(id, None) for a valid id, (None, None) when absent, (None, message) when not an integer."""
    if value is None or value == "":
        return None, None
    try:
        i = int(str(value))
    except ValueError:
        return None, f"Invalid schedule id '{value}'"
    if i < 0:
        return None, f"Invalid schedule id '{value}'"
    return i, None
