"""The native core's ODBC transport (feature mssql), driven from Python through Debian's SQLite ODBC driver: the
same files ingested through rusqlite and through ODBC give identical payloads for every flow on both paths."""

from __future__ import annotations

import pytest

from tsi import _core
from tsi.parity import first_difference

pytestmark = pytest.mark.skipif("mssql" not in _core.build_info()["features"],
                                reason="this build of tsi._core has no ODBC transport (cargo feature mssql)")

FLOWS = [
    ("sky_map", {"projection": "aitoff"}), ("distributions", {"exclude_impossible": True}),
    ("visibility_map", {"bin_seconds": 900}), ("visibility_map", {"n_bins": 37}), ("timeline", {}),
    ("insights", {}), ("trends", {"n_bins": 7}), ("validation", {}),
]


def _payloads(backend: str, target: str, d) -> dict:
    _core.configure(backend, target, 2, 51910.5)
    r = _core.ingest(str(d / "schedule.json"), str(d / "possible_periods.json"), str(d / "dark_periods.json"))
    assert r["created"] is True
    again = _core.ingest(str(d / "schedule.json"), str(d / "possible_periods.json"), str(d / "dark_periods.json"))
    assert again["created"] is False and again["schedule_id"] == r["schedule_id"]
    sid = r["schedule_id"]
    out = {"list": [{k: v for k, v in s.items() if k != "upload_timestamp"} for s in _core.list_schedules()]}
    for flow, params in FLOWS:
        for source in ("legacy", "etl"):
            out[f"{flow}{params}:{source}"] = getattr(_core, f"{flow}_{source}")(sid, **params)
    out["compare"] = _core.compare_etl(sid, other_schedule_id=sid)
    assert _core.delete_schedule(sid) is True
    return out


def test_odbc_transport_gives_identical_payloads(tmp_path, generated):
    d = generated["conflicts"]
    try:
        direct = _payloads("sqlite", str(tmp_path / "direct.sqlite3"), d)
        odbc = _payloads("odbc-sqlite", f"DRIVER={{SQLite3}};Database={tmp_path / 'odbc.sqlite3'}", d)
    finally:
        from tsi import data

        data.reset()  # the next test configures the core from its own settings again
    assert first_difference(direct, odbc) is None
