"""The download callbacks of the Sky Map and Distributions pages, called directly on an ingested schedule."""

from __future__ import annotations

import csv
import io

from builders import ingest_dir


def test_sky_map_and_distributions_downloads(tsi_db, generated):
    import app  # noqa: F401 - registers the pages
    from pages import distributions as dist_page
    from pages import sky_map as sky_page
    from tsi import data

    sid = ingest_dir(generated["night"])["schedule_id"]
    stats = data.sky_map(sid)["stats"]
    state = {"schedule_id": sid, "priority": [stats["priority_min"], stats["priority_max"]], "window": ["", ""]}

    out = sky_page.download(1, state, "mollweide", True, "bin", "all", state["priority"], "", "", [])
    rows = list(csv.DictReader(io.StringIO(out["content"])))
    assert len(rows) == stats["total_count"] and out["filename"] == f"sky_map_schedule_{sid}.csv"
    out = sky_page.download(1, state, "hammer", True, "bin", "unscheduled", state["priority"], "", "", [])
    rows = list(csv.DictReader(io.StringIO(out["content"])))
    assert len(rows) == stats["total_count"] - stats["scheduled_count"]
    assert all(r["scheduled"] == "False" for r in rows)

    out = dist_page.download(1, False, {"schedule_id": sid})
    rows = list(csv.reader(io.StringIO(out["content"])))
    assert rows[0] == ["variable", "count", "mean", "median", "std", "min", "max", "sum"]
    assert rows[1][0] == "Priority" and int(rows[1][1]) == data.distributions(sid)["stats"]["priority"]["count"]
