"""Every headline number of the exports, recomputed independently from the raw uploaded files in Python."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from scipy.stats import spearmanr

from tsi import data

SENTINEL = 51910.5


def _t(v):
    return v["value"] if isinstance(v, dict) else v


def _period(p):
    if p is None:
        return None
    if "startTime" in p:
        return _t(p["startTime"]), _t(p["stopTime"])
    if "start_mjd" in p:
        return p["start_mjd"], p["end_mjd"]
    return p["start"], p["stop"]


def _merge(ps):
    out = []
    for s, e in sorted(ps):
        if out and s <= out[-1][1]:
            out[-1][1] = max(out[-1][1], e)
        else:
            out.append([s, e])
    return out


def load_raw_f1(d):
    """Blocks in file order (= block id order) with derived values, straight from the files."""
    sched = json.loads((d / "schedule.json").read_text())["SchedulingBlock"]
    vis = json.loads((d / "possible_periods.json").read_text())["SchedulingBlock"]
    rows = []
    for b in sched:
        oid = str(int(b["schedulingBlockId"])) if not isinstance(b["schedulingBlockId"], str) else b["schedulingBlockId"]
        c = b["schedulingBlockConfiguration_"]["constraints_"]
        sp = _period(b.get("scheduled_period"))
        if sp and abs(sp[0] - SENTINEL) <= 1e-6:
            sp = None
        merged = _merge([_period(p) for p in vis.get(oid, [])])
        rows.append({
            "id": oid, "priority": float(b["priority"]),
            "vis_hours": sum((e - s) * 24 for s, e in merged), "merged": merged,
            "requested_h": round(c["timeConstraint_"]["requestedDurationSec"]) / 3600,
            "elev": c["elevationConstraint_"]["maxElevationAngleInDeg"] - c["elevationConstraint_"]["minElevationAngleInDeg"],
            "sched": sp,
        })
    return rows


@pytest.fixture
def season(tsi_db, generated):
    from builders import ingest_dir

    r = ingest_dir(generated["conflicts"])
    return r["schedule_id"], load_raw_f1(generated["conflicts"])


@pytest.mark.parametrize("source", ["legacy", "etl"])
def test_distributions_and_insights_match_raw_files(season, source):
    sid, raw = season
    n = len(raw)
    pr = np.array([r["priority"] for r in raw])
    vis = np.array([r["vis_hours"] for r in raw])
    req = np.array([r["requested_h"] for r in raw])
    elev = np.array([r["elev"] for r in raw])
    sched = np.array([r["sched"] is not None for r in raw])

    d = data.distributions(sid, source=source)
    assert list(d["blocks"]["original_block_id"]) == [r["id"] for r in raw]
    np.testing.assert_allclose(d["blocks"]["total_visibility_hours"], vis, rtol=0, atol=1e-9)
    assert d["counts"]["impossible"] == int((vis == 0).sum())
    assert d["stats"]["priority"]["median"] == pytest.approx(float(np.median(pr)))
    assert d["stats"]["priority"]["std"] == pytest.approx(float(np.std(pr)))
    assert d["stats"]["requested_hours"]["sum"] == pytest.approx(float(req.sum()))
    lo, hi = pr.min(), pr.max()
    x = (pr - lo) / (hi - lo)
    bins = np.where(x < 0.25, 1, np.where(x < 0.5, 2, np.where(x < 0.75, 3, 4)))
    assert d["blocks"]["priority_bin"].tolist() == bins.tolist()

    ins = data.insights(sid, source=source)
    m = ins["metrics"]
    assert m["schedule_total"] == n
    assert m["scheduled_count"] == int(sched.sum())
    assert m["scheduling_rate"] == pytest.approx(sched.mean())
    assert m["priority_scheduled_mean"] == pytest.approx(pr[sched].mean())
    assert m["priority_unscheduled_median"] == pytest.approx(float(np.median(pr[~sched])))
    assert m["visibility_total_hours"] == pytest.approx(vis.sum())
    corr = dict(zip(zip(ins["correlations"]["variable_1"], ins["correlations"]["variable_2"]), ins["correlations"]["rho"]))
    for (a, b), (u, v) in {("priority", "visibility"): (pr, vis), ("priority", "requested"): (pr, req),
                           ("visibility", "elevation"): (vis, elev)}.items():
        expected = spearmanr(u, v).statistic
        if math.isnan(expected):
            assert math.isnan(corr[(a, b)])
        else:
            assert corr[(a, b)] == pytest.approx(expected, abs=1e-12)
    # conflicts by brute force
    s = [(r["sched"], r["id"]) for r in raw if r["sched"]]
    pairs = sum(1 for i in range(len(s)) for j in range(i + 1, len(s))
                if max(s[i][0][0], s[j][0][0]) < min(s[i][0][1], s[j][0][1]))
    assert m["conflict_count"] == pairs
    assert len(ins["conflicts"]["block_id_1"]) == pairs
    assert pairs >= 1, "the generator was asked for conflicts"


@pytest.mark.parametrize("source", ["legacy", "etl"])
def test_visibility_histogram_matches_brute_force(season, source):
    sid, raw = season
    p = data.visibility_map(sid, n_bins=37, source=source)
    h = p["histogram"]
    starts, ends = h["bin_start_unix"], h["bin_end_unix"]
    unix = [[((s - 40587) * 86400, (e - 40587) * 86400) for s, e in r["merged"]] for r in raw]
    t0 = math.floor(min(a for u in unix for a, _ in u))
    t1 = math.ceil(max(b for u in unix for _, b in u))
    assert (p["range"]["schedule_start_unix"], p["range"]["schedule_end_unix"]) == (t0, t1)
    for k in range(0, len(starts), 5):
        bs, be = starts[k], ends[k]
        expected = sum(1 for u in unix if any(s < be and e > bs for s, e in u))
        assert h["count"][k] == expected, k


@pytest.mark.parametrize("source", ["legacy", "etl"])
def test_compare_matches_raw_files(tsi_db, generated, source):
    from builders import ingest_dir

    a = ingest_dir(generated["season"])["schedule_id"]
    b = ingest_dir(generated["variant"])["schedule_id"]
    ra = {r["id"]: r for r in load_raw_f1(generated["season"])}
    rb = {r["id"]: r for r in load_raw_f1(generated["variant"])}
    c = data.compare(a, other_schedule_id=b, source=source)
    assert c["common_ids"] == sorted(set(ra) & set(rb))
    assert c["only_in_current"] == sorted(set(ra) - set(rb))
    newly = sorted(i for i in set(ra) & set(rb) if ra[i]["sched"] is None and rb[i]["sched"] is not None)
    got = sorted(i for i, ch in zip(c["changes"]["original_block_id"], c["changes"]["change"]) if ch == "newly_scheduled")
    assert got == newly
    assert c["summary"]["newly_scheduled"] == len(newly)
