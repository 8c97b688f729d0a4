"""CSV downloads: formula-like text cells get a leading ' (operations.md §2), numbers stay numbers."""

from __future__ import annotations

import csv
import io
import math
from decimal import Decimal

import numpy as np
import pytest

from builders import f1_block, write_f1
from tsi.ui.csv_safe import csv_text, neutralise_cell, neutralise_row
from tsi.ui.distributions_view import stats_csv
from tsi.ui.tables import to_csv
from tsi.ui.timeline_table import FIELDS, rows_csv, table_rows

NASTY = ['=HYPERLINK("x")', "+cmd|' /C calc'!A0", "@SUM(1)", "-2+3", "\tTAB", "\rCR"]


def _rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


@pytest.mark.parametrize("text", NASTY + ["=", "+", "-", "@", "\t", "\r", "-inf", "-nan", "+1_000", "-0x10",
                                          "-1.5 h", "\t-1", "-1.5\r", "-1 ", "--1", "-.", "-e5"])
def test_formula_like_text_is_quoted(text):
    assert neutralise_cell(text) == "'" + text


@pytest.mark.parametrize("text", ["-1.5", "+3", "-2e-3", "-.5", "-7.", "+0", "-1E+10"])
def test_text_that_is_a_plain_number_stays(text):
    assert neutralise_cell(text) == text


@pytest.mark.parametrize("text", ["", "abc", "A-1", "2028-01-31 12:00", " =1", "x=1", "'=already", "1.5", "–1",
                                  "\n=1"])
def test_other_text_stays(text):
    assert neutralise_cell(text) == text


@pytest.mark.parametrize("value", [-1.5, -3, 0, 2.5, True, False, np.float64(-1.25), np.int64(-7), np.float32(-2.0),
                                   np.bool_(True), Decimal("-4.5")])
def test_numbers_stay_numbers(value):
    out = neutralise_cell(value)
    assert out is value


def test_missing_values():
    assert neutralise_cell(None) is None
    nan = float("nan")
    assert neutralise_cell(nan) is nan and math.isnan(neutralise_cell(np.float64("nan")))
    assert neutralise_row([None, -1.5, "=1", "ok"]) == ["", -1.5, "'=1", "ok"]


def test_non_text_objects_are_looked_at_as_text():
    class Weird:
        def __str__(self):
            return "=cmd()"

    assert neutralise_cell(Weird()) == "'=cmd()"
    assert neutralise_cell(np.str_("@x")) == "'@x"


def test_csv_text_quotes_header_and_cells():
    rows = _rows(csv_text(["id", "=h"], [["=1+1", -2.0], [None, "-2"]]))
    assert rows == [["id", "'=h"], ["'=1+1", "-2.0"], ["", "-2"]]


def test_tables_to_csv():
    table = {"original_block_id": np.array(NASTY + ["plain"], dtype=object),
             "dec_deg": np.array([-1.5, -20.25, 0.0, -0.001, np.nan, -90.0, 12.0]),
             "count": np.array([-1, -2, 3, 4, 5, 6, 7])}
    rows = _rows(to_csv(table))
    assert rows[0] == ["original_block_id", "dec_deg", "count"]
    ids = [r[0] for r in rows[1:]]
    assert ids == ["'" + t for t in NASTY] + ["plain"]
    assert [r[1] for r in rows[1:]] == ["-1.5", "-20.25", "0.0", "-0.001", "", "-90.0", "12.0"]
    assert [r[2] for r in rows[1:]] == ["-1", "-2", "3", "4", "5", "6", "7"]


def _timeline_payload(ids: list[str]) -> dict:
    n = len(ids)
    blocks = {
        "block_id": np.arange(1, n + 1), "original_block_id": ids, "priority": np.full(n, 5.0),
        "scheduled_start_mjd": 61771.0 + np.arange(n), "scheduled_stop_mjd": 61771.5 + np.arange(n),
        "scheduled_hours": np.full(n, 12.0), "ra_deg": np.full(n, 10.0),
        "dec_deg": -np.linspace(1.5, 60.0, n), "requested_hours": np.full(n, 12.0),
        "total_visibility_hours": np.full(n, 100.0),
    }
    return {"blocks": blocks}


def test_timeline_rows_csv():
    rows = _rows(rows_csv(table_rows(_timeline_payload(NASTY))))
    assert rows[0] == FIELDS
    assert [r[0] for r in rows[1:]] == ["'" + t for t in NASTY]
    dec = [r[FIELDS.index("dec_deg")] for r in rows[1:]]
    assert dec[0] == "-1.5" and dec[-1] == "-60.0" and all(float(d) < 0 for d in dec)


def test_distributions_stats_csv():
    rows = _rows(stats_csv([{"variable": "=x", "count": 3, "mean": -1.5, "median": None, "std": 0.5, "min": -2.0,
                             "max": -1.0, "sum": -4.5}]))
    assert rows[1] == ["'=x", "3", "-1.50", "", "0.50", "-2.00", "-1.00", "-4.50"]


def test_real_downloads_of_an_ingested_schedule(tsi_db, tmp_path):
    """Timeline and Sky Map download callbacks on a stored schedule whose ids are formula-like."""
    import app  # noqa: F401 - registers the pages
    from pages import sky_map as sky_page
    from pages import timeline as tl_page
    from tsi import data

    blocks = [f1_block(bid, priority=3.0 + i, dec=-10.0 - i, requested=1800, min_obs=1200,
                       scheduled=(61771.1 + 0.05 * i, 61771.1 + 0.05 * i + 1800 / 86400))
              for i, bid in enumerate(NASTY)]
    blocks.append(f1_block("plain-1", priority=9.0, dec=-45.5))
    s, _v, d = write_f1(tmp_path / "nasty", blocks, dark=[(61771.0, 61771.5)])
    sid = data.ingest(s, None, d, name="Formula ids")["schedule_id"]

    out = tl_page.download(1, None, None, None, {"schedule_id": sid})
    rows = list(csv.DictReader(io.StringIO(out["content"])))
    assert sorted(r["original_block_id"] for r in rows) == sorted("'" + t for t in NASTY)
    assert all(float(r["dec_deg"]) < 0 and not r["dec_deg"].startswith("'") for r in rows)

    stats = data.sky_map(sid)["stats"]
    state = {"schedule_id": sid, "priority": [stats["priority_min"], stats["priority_max"]], "window": ["", ""]}
    out = sky_page.download(1, state, "mollweide", True, "bin", "all", state["priority"], "", "", [])
    rows = list(csv.DictReader(io.StringIO(out["content"])))
    by_id = {r["original_block_id"]: r for r in rows}
    assert set(by_id) == {"'" + t for t in NASTY} | {"plain-1"}
    assert by_id['\'=HYPERLINK("x")']["dec_deg"] == "-10.0" and by_id["plain-1"]["dec_deg"] == "-45.5"


def test_no_browser_side_csv_export():
    """Every CSV download is written on the server through csv_safe: no grid exports CSV in the browser (an
    AG Grid export would need csvExportParams.processCellCallback to apply the same rule)."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[3]
    files = [p for d in ("pages", "tsi", "assets") for p in (root / d).rglob("*") if p.suffix in (".py", ".js")]
    assert files
    hits = [str(p.relative_to(root)) for p in files
            if any(k in p.read_text(encoding="utf-8") for k in ("exportDataAsCsv", "csvExportParams"))]
    assert hits == []
