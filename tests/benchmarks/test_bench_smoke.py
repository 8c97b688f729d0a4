"""`tsi bench` keeps working (a smoke run on the tiny preset; benchmarks are not tests, so nothing is timed).
The benchmark lives here, beside this test, and needs a development build of `tsi._core` (cargo feature
`testing`)."""

from __future__ import annotations

import json

from benchmarks import bench
from tsi.cli import main


def test_bench_tiny_preset_reports_every_flow_and_budget_row(tsi_db, capsys):
    r = bench.run(preset="tiny", repeat=2)
    assert r["blocks"] == 120 and r["ingest"]["blocks"] == 120
    assert [f["flow"] for f in r["flows"]] == bench.FLOWS
    for f in r["flows"]:
        assert f["legacy"]["n"] == 2 and f["etl"]["n"] == 2 and f["raw_scan"]["median_ms"] > 0
        assert f["payload_bytes"] > 0
    measures = [c["measure"] for c in r["budgets"]]
    assert "ingest + ETL" in measures and "ours (etl) / pandas notebook" in measures
    assert r["pandas_peer"]["notebook"]["n"] >= 3
    # the configured database was not touched
    from tsi import data

    assert data.list_schedules(use_cache=False) == []
    text = bench.format_table(r)
    assert "sky_map" in text and "budget" in text


def test_bench_with_shadowing_reports_the_comparisons(tsi_db, capsys):
    code = main(["bench", "--preset", "tiny", "--repeat", "2", "--flows", "timeline", "--shadow", "1", "--json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0 and out["shadow"]["rate"] == 1.0
    assert out["flows"][0]["miss"]["n"] == 2
    assert out["shadow"]["outcomes"]["match"] >= 2 and out["shadow"]["outcomes"]["mismatch"] == 0
    import os

    assert "TSI_MIGRATION__SHADOW_RATE" not in os.environ  # the setting is the run's only


def test_bench_cli_json(tsi_db, capsys):
    code = main(["bench", "--preset", "tiny", "--repeat", "1", "--flows", "sky-map,insights", "--json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0 and [f["flow"] for f in out["flows"]] == ["sky_map", "insights"]


def test_bench_outside_a_checkout_exits_2_with_one_line(tsi_db, tmp_path, monkeypatch, capsys):
    """Installed from a wheel, tsi has no benchmark: one line saying where it lives, exit 2."""
    import tsi.config

    monkeypatch.setattr(tsi.config, "project_root", lambda: tmp_path)
    code = main(["bench", "--preset", "tiny", "--repeat", "1"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "source checkout" in err


def test_bench_without_the_development_bindings_exits_2(tsi_db, monkeypatch, capsys):
    from tsi import _core

    monkeypatch.delattr(_core, "raw_scan")
    code = main(["bench", "--preset", "tiny", "--repeat", "1"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "testing" in err


def test_browser_mode_reports_both_paths_bytes_and_server_time(tsi_db, generated):
    """The page timing on a small schedule (one page, both paths): every field present and plausible."""
    from benchmarks.browser import browser_timing
    from builders import ingest_dir

    sid = ingest_dir(generated["night"])["schedule_id"]
    r = browser_timing(str(tsi_db), sid, pages=["/sky-map"])
    assert set(r) == {"legacy", "etl"}
    for source in ("legacy", "etl"):
        t = r[source]["/sky-map"]
        assert len(t["visits_ms"]) == 3 and t["median_ms"] > 0 and t["navigate_ms"] > 0
        assert t["callbacks"] >= 1 and t["server_ms"] > 0
        assert t["bytes"] > 10_000  # the document, its scripts and the callbacks' answers


def test_users_mode_runs_the_phases_against_a_real_server(tsi_db, capsys):
    code = main(["bench", "--preset", "tiny", "--users", "3", "--seconds", "2", "--json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0
    load = out["load"]
    for phase in ("cold", "warm"):
        assert load[phase]["users"] == 3 and load[phase]["requests"] > 0, load[phase]
        assert load[phase]["errors"] == 0, load[phase]["error_examples"]
        assert load[phase]["p95_ms"] >= load[phase]["p50_ms"] > 0
    assert load["warm"]["cache_miss_share"] < load["cold"]["cache_miss_share"]
    assert [s["users"] for s in load["ramp"]["steps"]][:2] == [4, 8]
    assert any(c["measure"] == "3 users, warm cache: p95" for c in out["budgets"])


def test_catalogue_mode_measures_the_list_home_and_the_selector(tsi_db, tmp_path):
    from benchmarks.catalogue import catalogue_timing, fill_catalogue

    filled = fill_catalogue(tmp_path / "files", 4, 40, 2.0)
    assert filled["schedules"] == 4
    r = catalogue_timing(str(tsi_db))
    assert r["listed"] == 4 and r["api_list_ms"]["median_ms"] > 0 and r["api_list_ms"]["bytes"] > 0
    assert len(r["home_ms"]["visits_ms"]) == 3 and r["home_ms"]["median_ms"] < 30_000
    assert len(r["selector_ms"]["visits_ms"]) == 3 and r["selector_ms"]["median_ms"] < 30_000


def test_the_xl_ingest_runs_in_its_own_process_and_reports_its_peak_memory(tsi_db, tmp_path):
    from benchmarks.bench import ingest_elsewhere
    from tsi import data

    out = tmp_path / "files"
    data.core().generate(str(out), 60, seed=5, days=3.0)
    r, peak_mb = ingest_elsewhere(str(tsi_db), (out / "schedule.json", out / "possible_periods.json",
                                               out / "dark_periods.json"))
    assert r["created"] is True and r["blocks"] == 60
    assert 20 < peak_mb < 4096
