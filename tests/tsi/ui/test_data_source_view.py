"""Data Source view helpers: facts are masked, freshness rows, parity rows and the per-flow summary."""

from __future__ import annotations

from types import SimpleNamespace

from tsi.secrets import clear_registered_secrets, register_secrets
from tsi.ui.data_source_view import facts, flow_summary, iso_utc_text, params_text, parity_rows, speedup, status_rows


class _Mssql(dict):
    def __getattr__(self, k):
        return self[k]


def _mssql_settings(cs: str):
    ms = _Mssql(SERVER="", PORT=1433, DATABASE="", CONNECTION_STRING=cs)
    return SimpleNamespace(DATABASE=SimpleNamespace(BACKEND="mssql", MSSQL=ms),
                           CACHE=SimpleNamespace(TYPE="RedisCache"))


def test_facts_never_show_a_secret():
    register_secrets(["S3cretPass"])
    try:
        s = _mssql_settings("Server=tcp:db.example,1433;Database=tsi;UID=u;PWD=S3cretPass;")
        rows = {k: (label, value, note) for k, label, value, note in facts(s, "etl", 1)}
        assert rows["source"][1] == "etl" and "changed through settings and a restart" in rows["source"][2]
        assert rows["database"][1] == "mssql db.example:1433/tsi"
        assert rows["cache"][1] == "RedisCache"
        assert rows["etl-version"][1] == "1"
        assert all("S3cretPass" not in " ".join(r) for r in rows.values())
        # mask_secrets is applied to every value: a secret in the source text would be masked too.
        rows = {k: value for k, _l, value, _n in facts(s, "x S3cretPass", 1)}
        assert rows["source"] == "x ***"
    finally:
        clear_registered_secrets()


def test_status_rows():
    rows = status_rows([
        {"schedule_id": 1, "name": "A", "state": "fresh", "etl_version": 1, "checksum_match": True,
         "updated_at": "2026-11-26T13:01:26.730Z"},
        {"schedule_id": 2, "name": "B", "state": "missing", "etl_version": None, "checksum_match": False,
         "updated_at": None},
    ])
    assert rows[0] == {"schedule_id": 1, "name": "A", "state": "fresh", "etl_version": 1,
                       "computed_at": "2026-11-26 13:01", "checksum_match": "yes"}
    assert rows[1]["etl_version"] == "–" and rows[1]["computed_at"] == "" and rows[1]["checksum_match"] == "no"
    assert iso_utc_text(None) == ""


def _row(flow, result, params=None, **kw):
    r = {"schedule_id": 1, "flow": flow, "params": params or {}, "result": result, "difference": None,
         "error": None, "legacy_ms": 10.0, "etl_ms": 2.0}
    r.update(kw)
    return r


def test_parity_rows_and_labels():
    report = {"rows": [
        _row("sky_map", "identical", {"projection": "mollweide", "ra_left": False}),
        _row("visibility_map", "different", {"block_ids": [str(i) for i in range(10)]},
             difference={"path": "histogram.count[118]", "legacy": 3, "etl": 4}),
        _row("timeline", "error", error="DatabaseError: PWD=abc;x", legacy_ms=None, etl_ms=None),
        _row("validation", "stale", error="analytics stale", legacy_ms=None, etl_ms=None),
    ]}
    rows = parity_rows(report)
    assert rows[0]["parameters"] == "projection=mollweide, ra_left=False"
    assert rows[0]["result"] == "identical" and rows[0]["speedup"] == "×5.0"
    assert rows[1]["parameters"] == "block_ids=[0, 1, … 10 items]"
    assert (rows[1]["diff_path"], rows[1]["legacy_value"], rows[1]["etl_value"]) == ("histogram.count[118]", "3", "4")
    assert rows[2]["result"] == "error" and "abc" not in rows[2]["diff_path"] and "***" in rows[2]["diff_path"]
    assert rows[3]["result"] == "skipped: analytics missing" and rows[3]["speedup"] == ""
    assert params_text({}) == "(defaults)"
    assert speedup(None, 1.0) == "" and speedup(3.0, 0.0) == ""


def test_flow_summary_counts_flows_not_parameter_sets():
    report = {"rows": [_row("sky_map", "identical"), _row("sky_map", "identical"), _row("trends", "identical"),
                       _row("trends", "different"), _row("compare", "identical")]}
    assert flow_summary(report) == (2, 3, "2/3 flows identical")
    all_ok = {"rows": [_row(f, "identical") for f in ("sky_map", "distributions", "visibility_map", "timeline",
                                                       "insights", "trends", "compare", "validation")]}
    assert flow_summary(all_ok)[2] == "8/8 flows identical"
    assert flow_summary({"rows": []}) == (0, 0, "0/0 flows identical")
