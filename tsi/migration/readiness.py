"""The readiness report (operations.md §4): the phase the settings put the deployment in, the evidence, and
whether it allows the next phase. ``tsi migration status`` prints it (exit 0 ready, 1 not); the Data Source page
shows it.

The evidence, and where it is kept:

* analytics — every schedule's state (the database);
* the last ``tsi parity --all`` run — ``parity_runs``: clean, and covering every schedule stored now;
* shadow comparisons — ``parity_events`` over the last ``MIGRATION.WINDOW_DAYS``: at least
  ``MIGRATION.MIN_SHADOW`` of them and none differing or failing;
* latency per flow and path — ``tsi_flow_seconds`` (the path's own work: misses, bypasses and shadow runs);
  ETL's p95 must not exceed legacy's for any flow measured on both, and at least one flow must be;
* ETL fallbacks — ``tsi_etl_fallback_total``: none, before the legacy path is switched off.

The criteria of each step:

=================  =============================================================================
off → shadow       analytics fresh (the shadow needs analytics to compare)
shadow → live      analytics fresh, parity clean, shadow clean, ETL not slower
live → complete    the same, and no ETL request fell back to legacy
complete           analytics fresh, parity clean (what keeps it there)
=================  =============================================================================
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from tsi.migration import next_phase, phase
from tsi.migration import latency as lat

__all__ = ["status", "text", "CRITERIA"]

CRITERIA = {
    "off": ("analytics",),
    "shadow": ("analytics", "parity", "shadow", "latency"),
    "live": ("analytics", "parity", "shadow", "latency", "fallbacks"),
    "complete": ("analytics", "parity"),
}
LABELS = {"analytics": "analytics fresh", "parity": "last full parity run clean", "shadow": "shadow comparisons",
          "latency": "ETL p95 ≤ legacy p95", "fallbacks": "no ETL fallbacks"}


def _utc_text(t: dt.datetime) -> str:
    return t.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _criterion(key: str, ok: bool, detail: str) -> dict:
    return {"name": key, "label": LABELS[key], "ok": bool(ok), "detail": detail}


def _analytics(status_rows: list[dict]) -> dict:
    fresh = sum(1 for r in status_rows if r["state"] == "fresh")
    others = [f"{r['schedule_id']} ({r['state']})" for r in status_rows if r["state"] != "fresh"]
    if not status_rows:
        return _criterion("analytics", False, "no schedules stored")
    detail = f"{fresh} of {len(status_rows)} schedules fresh"
    if others:
        detail += "; not fresh: " + ", ".join(others[:10]) + (" …" if len(others) > 10 else "") \
                  + " (tsi etl backfill)"
    return _criterion("analytics", not others, detail)


def _parity(last: dict | None, current_ids: list[int]) -> tuple[dict, dict | None]:
    if last is None:
        return _criterion("parity", False, "no `tsi parity --all` run stored yet"), None
    covered = set(json.loads(last["schedules_json"]))
    missing = sorted(set(current_ids) - covered)
    counts = json.loads(last["counts_json"])
    summary = {"at": last["at"], "user": last["user"], "clean": bool(last["clean"]), "checks": last["checks"],
               "counts": counts, "schedules": sorted(covered), "build_version": last["build_version"]}
    when = str(last["at"]).replace("T", " ")[:16] + " UTC"
    if not last["clean"]:
        bad = ", ".join(f"{v} {k}" for k, v in sorted(counts.items()) if k != "identical")
        return _criterion("parity", False, f"the run of {when} was not clean ({bad})"), summary
    if missing:
        return _criterion("parity", False, f"the run of {when} predates schedule(s) {', '.join(map(str, missing))}; "
                                           "run `tsi parity --all` again"), summary
    return _criterion("parity", True, f"{last['checks']} checks identical on {when}"), summary


def _shadow(counts: list[tuple[str, str, int]], minimum: int, days: int) -> tuple[dict, dict]:
    by_flow: dict[str, dict[str, int]] = {}
    for flow, result, n in counts:
        by_flow.setdefault(flow, {"match": 0, "mismatch": 0, "error": 0})[result] = int(n)
    total = sum(sum(v.values()) for v in by_flow.values())
    bad = {f: v["mismatch"] + v["error"] for f, v in by_flow.items() if v["mismatch"] + v["error"]}
    summary = {"window_days": days, "min_comparisons": minimum, "total": total, "by_flow": by_flow}
    if bad:
        text = ", ".join(f"{f} {n}" for f, n in sorted(bad.items()))
        return _criterion("shadow", False, f"{sum(bad.values())} of {total} comparisons in the last {days} days "
                                           f"differed or failed ({text})"), summary
    if total < minimum:
        return _criterion("shadow", False, f"{total} comparisons in the last {days} days, none differing; at least "
                                           f"{minimum} needed (MIGRATION.SHADOW_RATE > 0 collects them)"), summary
    return _criterion("shadow", True, f"{total} comparisons in the last {days} days, none differing"), summary


def _latency(table: dict | None, problem: str | None) -> dict:
    if table is None:
        return _criterion("latency", False, f"metrics unavailable: {problem}")
    both = {f: v for f, v in table.items() if "legacy" in v and "etl" in v}
    if not both:
        return _criterion("latency", False, "no flow measured on both paths yet (MIGRATION.SHADOW_RATE > 0 "
                                            "measures the other path)")
    slower = [f"{f} ({v['etl']['p95_ms']:.1f} ms vs {v['legacy']['p95_ms']:.1f} ms)" for f, v in sorted(both.items())
              if v["etl"]["p95_ms"] is not None and v["legacy"]["p95_ms"] is not None
              and v["etl"]["p95_ms"] > v["legacy"]["p95_ms"]]
    if slower:
        return _criterion("latency", False, "ETL p95 above legacy p95 for " + ", ".join(slower))
    return _criterion("latency", True, f"{len(both)} flow(s) measured on both paths, ETL p95 ≤ legacy p95 for each")


def _fallbacks(counts: dict | None, problem: str | None) -> dict:
    if counts is None:
        return _criterion("fallbacks", False, f"metrics unavailable: {problem}")
    total = sum(sum(v.values()) for v in counts.values())
    if total:
        text = ", ".join(f"{f} {sum(v.values())}" for f, v in sorted(counts.items()))
        return _criterion("fallbacks", False, f"{total} ETL request(s) served from the legacy path since the servers "
                                              f"started ({text})")
    return _criterion("fallbacks", True, "no ETL request fell back since the servers started")


def status(*, metrics_url: str | None = None, local: bool = False, now: dt.datetime | None = None) -> dict:
    """The report as a dict (``tsi migration status --json``). Metrics come from this process's scrape when
    ``local`` (the app), else from ``metrics_url`` or :func:`tsi.migration.latency.default_url`."""
    from tsi import data
    from tsi.config import get_settings
    from tsi.secrets import mask_secrets

    s = get_settings()
    m = s.MIGRATION
    current = phase(s)
    following = next_phase(current)
    days, minimum = int(m.WINDOW_DAYS), int(m.MIN_SHADOW)
    since = _utc_text((now or dt.datetime.now(dt.timezone.utc)) - dt.timedelta(days=days))

    rows = data.etl_status()
    core = data.core()
    parity_c, parity_summary = _parity(core.parity_run_last("all"), [int(r["schedule_id"]) for r in rows])
    shadow_c, shadow_summary = _shadow(core.parity_event_counts(since), minimum, days)
    source = "this server" if local else (metrics_url or lat.default_url(s))
    families, problem = None, None
    try:
        families = lat.local_families() if local else lat.remote_families(source)
    except OSError as e:
        problem = mask_secrets(str(e))
    table = None if families is None else lat.flow_latency(families)
    fallbacks = None if families is None else lat.fallback_counts(families)
    found = {"analytics": _analytics(rows), "parity": parity_c, "shadow": shadow_c,
             "latency": _latency(table, problem), "fallbacks": _fallbacks(fallbacks, problem)}
    criteria = [found[k] for k in CRITERIA[current]]
    ready = all(c["ok"] for c in criteria)
    return {
        "phase": current,
        "next_phase": following,
        "ready": ready,
        "settings": {"DATA_SOURCE": str(s.DATA_SOURCE), "ETL_FALLBACK": str(m.ETL_FALLBACK),
                     "SHADOW_RATE": float(m.SHADOW_RATE), "MIN_SHADOW": minimum, "WINDOW_DAYS": days},
        "criteria": criteria,
        "reasons": [f"{c['label']}: {c['detail']}" for c in criteria if not c["ok"]],
        "parity": parity_summary,
        "shadow": shadow_summary,
        "latency": table,
        "fallbacks": fallbacks,
        "metrics": {"source": source, "error": problem},
        "recent_problems": [_event(e) for e in core.parity_event_list(since, True, 20)],
    }


def _event(e: dict) -> dict:
    """A stored mismatch or error, with the command that reproduces it."""
    params = e["params_json"]
    flow_arg = e["flow"].replace("_", "-")
    return {
        "id": e["id"], "at": e["at"], "schedule_id": e["schedule_id"], "flow": e["flow"], "result": e["result"],
        "served_source": e["served_source"], "diff_path": e["diff_path"], "legacy_value": e["legacy_value"],
        "etl_value": e["etl_value"], "error": e["error"], "params": json.loads(params),
        "build_version": e["build_version"],
        "reproduce": f"tsi parity {e['schedule_id']} --flow {flow_arg} --params '{params}'",
    }


def text(report: dict) -> str:
    """The report for a terminal."""
    st = report["settings"]
    lines = [f"Phase: {report['phase']} (DATA_SOURCE={st['DATA_SOURCE']}, SHADOW_RATE={st['SHADOW_RATE']:g}, "
             f"ETL_FALLBACK={st['ETL_FALLBACK']})"]
    if report["next_phase"]:
        lines.append(f"Next phase: {report['next_phase']} — {'ready' if report['ready'] else 'not ready'}")
    else:
        lines.append(f"Last phase; its conditions {'hold' if report['ready'] else 'do not hold'}")
    for c in report["criteria"]:
        lines.append(f"  {'✓' if c['ok'] else '✗'} {c['label']}: {c['detail']}")
    if report["latency"]:
        lines.append("Latency, ms (p50 / p95 / calls; cache misses and shadow runs):")
        lines.append(f"  {'flow':<15} {'legacy':<26} etl")
        for flow, per in report["latency"].items():
            cells = []
            for source in ("legacy", "etl"):
                v = per.get(source)
                cells.append("-" if v is None else f"{v['p50_ms']:.2f} / {v['p95_ms']:.2f} / {v['count']}")
            lines.append(f"  {flow:<15} {cells[0]:<26} {cells[1]}")
    sh = report["shadow"]
    if sh["by_flow"]:
        lines.append(f"Shadow comparisons, last {sh['window_days']} days (match / mismatch / error):")
        for flow, v in sorted(sh["by_flow"].items()):
            lines.append(f"  {flow:<15} {v['match']} / {v['mismatch']} / {v['error']}")
    for e in report["recent_problems"][:5]:
        what = f"at {e['diff_path']}: legacy={e['legacy_value']} etl={e['etl_value']}" if e["result"] == "mismatch" \
            else (e["error"] or "")
        lines.append(f"  {e['at'][:19].replace('T', ' ')} {e['result']} {e['flow']} schedule {e['schedule_id']} "
                     f"{what[:160]}")
        lines.append(f"    reproduce: {e['reproduce']}")
    if report["fallbacks"]:
        lines.append("ETL fallbacks since the servers started: " + ", ".join(
            f"{f} {r}={n}" for f, v in sorted(report["fallbacks"].items()) for r, n in sorted(v.items())))
    lines.append(f"Metrics: {report['metrics']['source']}"
                 + (f" (unavailable: {report['metrics']['error']})" if report["metrics"]["error"] else ""))
    return "\n".join(lines)
