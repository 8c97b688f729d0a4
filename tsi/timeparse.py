"""User-facing time values: ISO-8601 UTC or MJD in, unix seconds / display text out."""

from __future__ import annotations

from datetime import datetime, timezone

MJD_UNIX_EPOCH = 40587.0


def mjd_to_unix(mjd: float) -> float:
    return (mjd - MJD_UNIX_EPOCH) * 86400.0


def unix_to_mjd(t: float) -> float:
    return t / 86400.0 + MJD_UNIX_EPOCH


def parse_time_to_unix(text: str) -> int:
    """'2028-01-05T21:00', '2028-01-05 21:00Z' (UTC) or an MJD such as '61775.5' → whole unix seconds."""
    s = str(text).strip()
    try:
        mjd = float(s)
    except ValueError:
        pass
    else:
        return int(round(mjd_to_unix(mjd)))
    s = s.replace("Z", "+00:00")
    try:
        dt = datetime.fromisoformat(s)
    except ValueError:
        raise ValueError(f"expected an ISO-8601 UTC time or an MJD (got {text!r})") from None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return int(dt.timestamp())


def format_mjd(mjd: float | None) -> str:
    """MJD → 'YYYY-MM-DD HH:MM' UTC ('' when missing)."""
    if mjd is None or mjd != mjd:
        return ""
    return datetime.fromtimestamp(mjd_to_unix(mjd), tz=timezone.utc).strftime("%Y-%m-%d %H:%M")
