"""The `tsi` command: outputs and exit codes of architecture.md §7."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from builders import ingest_dir, sql_elsewhere

from tsi.cli import main


def run(capsys, *args):
    code = main([str(a) for a in args])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_ingest_schedules_export_delete(tsi_db, generated, capsys):
    d = generated["night"]
    code, out, _ = run(capsys, "ingest", d / "schedule.json", "--name", "Night one")
    assert code == 0
    r = json.loads(out)
    assert set(r) == {"schedule_id", "name", "checksum", "blocks", "scheduled", "created"}
    assert r["name"] == "Night one" and r["created"] is True and r["blocks"] == 60
    code, out, _ = run(capsys, "ingest", d / "schedule.json")
    assert code == 0 and json.loads(out)["created"] is False
    code, out, _ = run(capsys, "schedules")
    rows = json.loads(out)
    assert rows[0]["analytics"] == "fresh" and rows[0]["unscheduled"] == 60 - rows[0]["scheduled"]
    for flow in ("sky-map", "distributions", "visibility-map", "timeline", "insights", "trends", "validation"):
        for source in ("legacy", "etl"):
            code, out, err = run(capsys, "export", r["schedule_id"], flow, "--source", source)
            assert code == 0, err
            json.loads(out)
    code, out, _ = run(capsys, "export", r["schedule_id"], "compare", "--with", r["schedule_id"])
    assert json.loads(out)["summary"]["common_count"] == 60
    code, out, _ = run(capsys, "delete", r["schedule_id"])
    assert code == 0 and json.loads(out) == {"schedule_id": r["schedule_id"], "deleted": True}


def test_export_nan_becomes_null(tsi_db, generated, capsys):
    sid = ingest_dir(generated["night"])["schedule_id"]
    code, out, _ = run(capsys, "export", sid, "sky-map")
    p = json.loads(out)
    assert None in p["blocks"]["scheduled_start_mjd"]  # unscheduled blocks


def test_exit_codes(tsi_db, generated, capsys):
    assert run(capsys, "export", 42, "timeline")[0] == 4
    assert run(capsys, "delete", 42)[0] == 4
    sid = ingest_dir(generated["night"])["schedule_id"]
    assert run(capsys, "export", sid, "insights", "--top-n", "0")[0] == 2
    assert run(capsys, "export", sid, "compare")[0] == 2
    with pytest.raises(SystemExit) as ei:
        main(["export", str(sid), "nonsense"])
    assert ei.value.code == 2
    sql_elsewhere(tsi_db, "update analytics_schedule_summary_analytics set source_checksum = 'x'")
    code, _, err = run(capsys, "export", sid, "timeline", "--source", "etl")
    assert code == 7 and "tsi etl backfill" in err
    code, out, _ = run(capsys, "parity", "--all")
    assert code == 1 and "stale" in out
    code, out, _ = run(capsys, "etl", "backfill", "--all")
    assert code == 0 and json.loads(out)[0]["recomputed"] is True
    code, out, _ = run(capsys, "parity", str(sid), "--json")
    assert code == 0 and json.loads(out)["ok"] is True, out


def test_invalid_settings_exit_6(tsi_db, monkeypatch, capsys):
    monkeypatch.setenv("TSI_DATA_SOURCE", "etll")
    from tsi.config import reset_settings

    reset_settings()
    code, _, err = run(capsys, "schedules")
    assert code == 6
    assert "DATA_SOURCE must be 'legacy' or 'etl' (got 'etll')" in err


def test_generate_is_deterministic(tmp_path, capsys):
    for out in ("a", "b"):
        code, text, _ = run(capsys, "generate", tmp_path / out, "--blocks", 40, "--seed", 9, "--days", 3)
        assert code == 0
        r = json.loads(text)
        assert r["blocks"] == 40 and len(r["files"]) == 3
    for name in ("schedule.json", "possible_periods.json", "dark_periods.json"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_etl_status_and_db_commands(tsi_db, generated, capsys):
    sid = ingest_dir(generated["night"])["schedule_id"]
    code, out, _ = run(capsys, "etl", "status")
    st = json.loads(out)[0]
    assert code == 0 and st["state"] == "fresh" and st["checksum_match"] is True
    assert st["row_counts"]["schedule_blocks_analytics"] == 60
    code, out, _ = run(capsys, "db", "upgrade")
    assert code == 0 and json.loads(out) == {"applied": []}
    code, out, _ = run(capsys, "db", "check")
    r = json.loads(out)
    assert code == 0 and r["connected"] is True and r["pending"] == [] and r["schema_version"] == 8


# ------------------------------------------------------------------ database problems: one line, exit 5


@pytest.mark.parametrize("where", ["file-as-directory", "proc"])
def test_an_unusable_sqlite_path_is_one_line_and_exit_5(tmp_path, monkeypatch, capsys, where):
    from tsi import data
    from tsi.config import reset_settings

    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    path = blocker / "tsi.sqlite3" if where == "file-as-directory" else "/proc/tsi-test/tsi.sqlite3"
    monkeypatch.setenv("TSI_ENV", "testing")
    monkeypatch.setenv("TSI_DATABASE__SQLITE_PATH", str(path))
    reset_settings()
    data.reset()
    code, out, err = run(capsys, "schedules")
    assert code == 5 and out == ""
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert err.startswith("error: cannot create the directory of DATABASE.SQLITE_PATH")


def test_a_database_from_a_newer_build_is_refused_and_not_touched(tsi_db, capsys):
    code, _, _ = run(capsys, "schedules")
    assert code == 0
    sql_elsewhere(str(tsi_db), ("insert into tsi_schema_migrations (version, name, script_sha256) "
                                "values (99, 'from the future', '')", ()))
    from tsi import data

    data.reset()
    for args in (("schedules",), ("db", "upgrade")):
        code, out, err = run(capsys, *args)
        assert code == 5, args
        assert err.strip() == "error: schema 99 is newer than this build's 8; upgrade TSI", args
    # `tsi run` in its own process (were it to start, it would become gunicorn).
    started = subprocess.run([sys.executable, "-m", "tsi.cli", "run", "--port", "1"], capture_output=True,
                             text=True, timeout=60)
    assert started.returncode == 5
    assert started.stderr.strip().endswith("error: schema 99 is newer than this build's 8; upgrade TSI")
    code, out, _ = run(capsys, "db", "check")
    assert code == 5 and json.loads(out)["error"] == "schema 99 is newer than this build's 8; upgrade TSI"
    rows = sql_elsewhere(str(tsi_db), ("select max(version) from tsi_schema_migrations", ()))
    assert rows == [[[99]]]
