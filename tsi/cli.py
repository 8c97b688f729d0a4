"""The `tsi` command line (architecture.md §7). Results on stdout (JSON unless stated), logs on stderr.

Exit codes: 0 success; 1 parity difference or failed check; 2 usage or parameter error; 3 ScheduleFormatError;
4 ScheduleNotFoundError; 5 DatabaseError; 6 ConfigError; 7 AnalyticsMissingError.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from typing import Any, Callable

from tsi.errors import (AnalyticsMissingError, ConfigError, DatabaseError, ScheduleFormatError,
                        ScheduleNotFoundError, TsiError)

log = logging.getLogger("tsi.cli")

def _flow_names() -> dict[str, str]:
    from tsi.data.params import flow_names

    return {f.replace("_", "-"): f for f in flow_names()}


FLOW_NAMES = _flow_names()  # CLI spelling → facade name, in the core's catalogue order


def _print(obj: Any, pretty: bool = False) -> None:
    from tsi.jsonout import dumps

    sys.stdout.write(dumps(obj, pretty=pretty) + "\n")
    sys.stdout.flush()


# ------------------------------------------------------------------ commands

def cmd_ingest(a) -> int:
    from tsi import data

    r = data.ingest(a.schedule, a.visibility, a.dark, a.name)
    for w in r.pop("warnings", []):
        print(f"warning: {w}", file=sys.stderr)
    _print({k: r[k] for k in ("schedule_id", "name", "checksum", "blocks", "scheduled", "created")})
    return 0


def cmd_schedules(a) -> int:
    from tsi import data

    _print(data.list_schedules(use_cache=False), a.pretty)
    return 0


def cmd_delete(a) -> int:
    from tsi import data

    if not data.delete_schedule(a.schedule_id):
        raise ScheduleNotFoundError(a.schedule_id)
    _print({"schedule_id": a.schedule_id, "deleted": True})
    return 0


def _export_kwargs(a) -> dict:
    from tsi.timeparse import parse_time_to_unix

    f = FLOW_NAMES[a.flow]
    kw: dict[str, Any] = {}
    if f == "sky_map":
        kw = {"projection": a.projection, "ra_left": not a.ra_right, "center_ra_deg": a.center_ra}
    elif f in ("distributions", "insights", "trends"):
        kw["exclude_impossible"] = a.exclude_impossible
    if f == "visibility_map":
        kw = {"n_bins": a.bins, "bin_seconds": a.bin_seconds,
              "start_unix": None if a.start is None else parse_time_to_unix(a.start),
              "end_unix": None if a.end is None else parse_time_to_unix(a.end),
              "priority_min": a.priority_min, "priority_max": a.priority_max,
              "block_ids": a.block_id or None}
    if f == "insights" and a.top_n is not None:
        kw["top_n"] = a.top_n
    if f == "trends":
        kw.update({"n_bins": a.n_bins, "bandwidth": a.bandwidth, "n_smooth_points": a.smooth_points,
                   "visibility_range": a.visibility_range, "requested_range": a.requested_range,
                   "priority_levels": a.priority_level or None, "class_weight": a.class_weight})
    if f == "compare":
        if a.with_id is None:
            raise ValueError("compare needs --with ID")
        kw["other_schedule_id"] = a.with_id
    return kw


def cmd_export(a) -> int:
    from tsi import data

    flow = FLOW_NAMES[a.flow]
    payload = data.FLOW_FUNCTIONS[flow](a.schedule_id, source=a.source, use_cache=False, **_export_kwargs(a))
    _print(payload, a.pretty)
    return 0


def cmd_parity(a) -> int:
    from tsi import data, parity

    every = a.all or a.schedule_id is None
    if every:
        ids = [s["schedule_id"] for s in data.list_schedules(use_cache=False)]
    else:
        data.schedule_header(a.schedule_id, use_cache=False)
        ids = [a.schedule_id]
    flow = FLOW_NAMES[a.flow] if a.flow else None
    params = None
    if a.params is not None:
        if flow is None:
            raise ValueError("--params needs --flow")
        try:
            params = json.loads(a.params)
        except json.JSONDecodeError as e:
            raise ValueError(f"--params must be a JSON object (as parity_events stores it): {e}") from None
        if not isinstance(params, dict):
            raise ValueError("--params must be a JSON object (as parity_events stores it)")
    report = parity.run(sorted(ids), scope="all" if every else "some", flow=flow, params=params)
    if a.json:
        _print(report.as_dict(), pretty=True)
    else:
        for r in report.rows:
            detail = ""
            if r.difference:
                d = r.difference
                detail = f"  first difference {d['path']}: legacy={d['legacy']!r} etl={d['etl']!r}"
            elif r.error:
                detail = f"  {r.error}"
            lm = f"{r.legacy_ms:8.1f}" if r.legacy_ms is not None else "       -"
            em = f"{r.etl_ms:8.1f}" if r.etl_ms is not None else "       -"
            print(f"{r.schedule_id:>5}  {r.flow:<15} {r.result:<10} legacy {lm} ms  etl {em} ms  "
                  f"{_short(r.params)}{detail}")
        c = report.as_dict()["counts"]
        print(f"{len(ids)} schedule(s), {len(report.rows)} checks: "
              + ", ".join(f"{v} {k}" for k, v in sorted(c.items())))
    return 0 if report.ok else 1


def cmd_migration_status(a) -> int:
    from tsi.migration import readiness

    report = readiness.status(metrics_url=a.metrics_url)
    if a.json:
        _print(report, pretty=True)
    else:
        print(readiness.text(report))
    return 0 if report["ready"] else 1


def _short(p: dict) -> str:
    if not p:
        return "(defaults)"
    text = ", ".join(f"{k}={v}" for k, v in p.items())
    return text if len(text) < 70 else text[:67] + "..."


def cmd_generate(a) -> int:
    from tsi.data import core

    site = None
    if a.site:
        parts = [float(x) for x in a.site.split(",")]
        if len(parts) != 3:
            raise ValueError("--site must be LAT,LON,H")
        site = tuple(parts)
    os.makedirs(a.out, exist_ok=True)
    r = core().generate(a.out, a.blocks, seed=a.seed, format=a.format, start_mjd=a.start_mjd, days=a.days,
                        site=site, unscheduled_fraction=a.unscheduled_fraction, sentinel=a.sentinel,
                        conflicts=a.conflicts, variant=a.variant)
    _print(r)
    return 0


def cmd_demo(a) -> int:
    from tsi.demo import load_demo

    results = load_demo(small=a.small)
    _print(results, pretty=True)
    return 0


def cmd_etl_status(a) -> int:
    from tsi import data

    _print(data.etl_status(a.schedule_id), pretty=True)
    return 0


def cmd_etl_backfill(a) -> int:
    from tsi import data

    if a.all or a.schedule_id is None:
        ids = [s["schedule_id"] for s in data.list_schedules(use_cache=False)]
    else:
        ids = [a.schedule_id]
    _print([data.etl_backfill(i, force=a.force) for i in ids], pretty=True)
    return 0


def cmd_db_upgrade(a) -> int:
    from tsi.db.migrate import upgrade

    _print({"applied": upgrade()})
    return 0


def cmd_db_check(a) -> int:
    from tsi.db.check import check, usable

    r = check()
    _print(r, pretty=True)
    return 0 if usable(r) else 5


def _read_password(from_stdin: bool) -> str:
    """From standard input (one line), or asked twice at the terminal; never a command-line value."""
    if from_stdin:
        line = sys.stdin.readline()
        return line[:-1] if line.endswith("\n") else line
    import getpass

    first = getpass.getpass("Password: ")
    if getpass.getpass("Repeat the password: ") != first:
        raise ValueError("the two passwords differ")
    return first


def cmd_user_add(a) -> int:
    from tsi.auth import users

    _print(users.add(a.name, a.role, _read_password(a.password_stdin)))
    return 0


def cmd_user_list(a) -> int:
    from tsi.auth import users

    _print(users.list_users(), pretty=True)
    return 0


def cmd_user_passwd(a) -> int:
    from tsi.auth import users

    try:
        users.set_password(a.name, _read_password(a.password_stdin))
    except LookupError as e:
        print(f"error: {e.args[0]}", file=sys.stderr)
        return 2
    _print({"name": a.name, "password_changed": True})
    return 0


def cmd_user_disable(a) -> int:
    from tsi.auth import users

    try:
        users.disable(a.name)
    except LookupError as e:
        print(f"error: {e.args[0]}", file=sys.stderr)
        return 2
    _print({"name": a.name, "disabled": True})
    return 0


def cmd_audit(a) -> int:
    from tsi.auth import audit

    if not 1 <= a.limit <= 100000:
        raise ValueError("--limit must be from 1 to 100000")
    rows = audit.entries(a.since, a.limit)
    if a.json:
        _print(rows, pretty=True)
        return 0
    for r in rows:
        where = f" schedule {r['schedule_id']}" if r["schedule_id"] is not None else ""
        who = f"{r['user'] or '-'} ({r['role'] or '-'})"
        detail = "" if r["detail"] is None else " " + ", ".join(f"{k}={v}" for k, v in r["detail"].items())
        print(f"{r['at']}  {who:28} {r['action']}{where} from {r['client_address'] or 'console'}{detail}")
    return 0


def _benchmark() -> Any:
    """The benchmark's run module, imported from the source checkout (tests/benchmarks, package `benchmarks`);
    None where tsi is installed from a wheel, which does not ship it."""
    import importlib
    import importlib.util
    from pathlib import Path

    from tsi.config import project_root

    home = (project_root() / "tests" / "benchmarks").resolve()
    if not (home / "bench.py").is_file():
        return None
    pkg = sys.modules.get("benchmarks")
    if pkg is None or [str(Path(p).resolve()) for p in getattr(pkg, "__path__", [])] != [str(home)]:
        spec = importlib.util.spec_from_file_location("benchmarks", home / "__init__.py",
                                                      submodule_search_locations=[str(home)])
        pkg = importlib.util.module_from_spec(spec)
        for name in [n for n in sys.modules if n.startswith("benchmarks.")]:
            del sys.modules[name]
        sys.modules["benchmarks"] = pkg
        spec.loader.exec_module(pkg)
    return importlib.import_module("benchmarks.bench")


def cmd_bench(a) -> int:
    bench = _benchmark()
    if bench is None:
        print("error: tsi bench runs from a source checkout: the benchmark (tests/benchmarks) ships with the "
              "source, not with the installed package", file=sys.stderr)
        return 2
    from tsi import _core

    if not hasattr(_core, "raw_scan"):
        print("error: tsi bench needs a development build of tsi._core (cargo feature testing: make native)",
              file=sys.stderr)
        return 2

    flows = [f.strip().replace("-", "_") for f in a.flows.split(",")] if a.flows else None
    result = bench.run(preset=None if a.schedule is not None else a.preset, schedule_id=a.schedule,
                       repeat=a.repeat, flows=flows, browser=a.browser, shadow_rate=a.shadow, users=a.users,
                       load_seconds=a.seconds)
    if a.json:
        _print(result, pretty=True)
    else:
        print(bench.format_table(result))
    return 0


def cmd_run(a) -> int:
    from tsi.serve import serve

    return serve(dev=a.dev, host=a.host, port=a.port, workers=a.workers)


# ------------------------------------------------------------------ parser

def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="tsi", description="TSI — Telescope Scheduling Insights")
    p.add_argument("--env", help="settings environment (development, production, testing)")
    p.add_argument("--log-level", help="DEBUG, INFO, WARNING or ERROR")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(name: str, fn: Callable, help: str) -> argparse.ArgumentParser:
        sp = sub.add_parser(name, help=help, description=help)
        sp.set_defaults(fn=fn)
        return sp

    r = add("run", cmd_run, "serve the app (gunicorn; --dev for the Dash development server)")
    r.add_argument("--dev", action="store_true")
    r.add_argument("--host")
    r.add_argument("--port", type=int)
    r.add_argument("--workers", type=int)

    i = add("ingest", cmd_ingest, "store a schedule (with optional visibility and dark-period files)")
    i.add_argument("schedule")
    i.add_argument("--visibility")
    i.add_argument("--dark")
    i.add_argument("--name")

    s = add("schedules", cmd_schedules, "list stored schedules (JSON)")
    s.add_argument("--pretty", action="store_true")

    d = add("delete", cmd_delete, "delete a schedule with its analytics")
    d.add_argument("schedule_id", type=int)

    e = add("export", cmd_export, "print a flow's payload as JSON")
    e.add_argument("schedule_id", type=int)
    e.add_argument("flow", choices=sorted(FLOW_NAMES))
    e.add_argument("--source", choices=["legacy", "etl"], type=str.lower)
    e.add_argument("--pretty", action="store_true")
    e.add_argument("--projection", choices=["cartesian", "mollweide", "aitoff", "hammer"])
    e.add_argument("--ra-right", action="store_true", help="RA increases to the right")
    e.add_argument("--center-ra", type=float, default=180.0)
    e.add_argument("--exclude-impossible", action="store_true")
    g = e.add_mutually_exclusive_group()
    g.add_argument("--bins", type=int)
    g.add_argument("--bin-seconds", type=int)
    e.add_argument("--start", help="ISO-8601 UTC or MJD")
    e.add_argument("--end", help="ISO-8601 UTC or MJD")
    e.add_argument("--priority-min", type=float)
    e.add_argument("--priority-max", type=float)
    e.add_argument("--block-id", action="append", help="original block id (repeatable)")
    e.add_argument("--top-n", type=int)
    e.add_argument("--n-bins", type=int, default=10)
    e.add_argument("--bandwidth", type=float, default=0.3)
    e.add_argument("--smooth-points", type=int, default=100)
    e.add_argument("--visibility-range", type=float, nargs=2, metavar=("LO", "HI"))
    e.add_argument("--requested-range", type=float, nargs=2, metavar=("LO", "HI"))
    e.add_argument("--priority-level", type=int, action="append")
    e.add_argument("--class-weight", choices=["balanced", "none"], default="balanced")
    e.add_argument("--with", dest="with_id", type=int, help="the other schedule (compare)")

    pa = add("parity", cmd_parity, "check that both data paths return identical payloads")
    pa.add_argument("schedule_id", type=int, nargs="?")
    pa.add_argument("--all", action="store_true")
    pa.add_argument("--json", action="store_true")
    pa.add_argument("--flow", choices=sorted(FLOW_NAMES), help="only this flow's parameter sets")
    pa.add_argument("--params", metavar="JSON",
                    help="with --flow: exactly these parameters (a shadow mismatch's, from parity_events)")

    mi = add("migration", None, "the move from the legacy path to the ETL path (operations.md §4)")
    mi_sub = mi.add_subparsers(dest="migration_command", required=True, metavar="SUBCOMMAND")
    ms = mi_sub.add_parser("status", help="the phase, the evidence and whether it allows the next phase "
                                          "(exit 0 ready, 1 not)")
    ms.set_defaults(fn=cmd_migration_status)
    ms.add_argument("--json", action="store_true")
    ms.add_argument("--metrics-url", help="where to read per-path latency and fallbacks (default: "
                                          "MIGRATION.METRICS_URL, else this host's tsi run)")

    ge = add("generate", cmd_generate, "write a synthetic schedule into a directory")
    ge.add_argument("out")
    ge.add_argument("--blocks", type=int, required=True)
    ge.add_argument("--seed", type=int, default=1)
    ge.add_argument("--format", choices=["f1", "f2"], default="f1")
    ge.add_argument("--start-mjd", type=float, default=61771.0)
    ge.add_argument("--days", type=float, default=30.0)
    ge.add_argument("--site", help="LAT,LON,H")
    ge.add_argument("--unscheduled-fraction", type=float, default=0.15)
    ge.add_argument("--sentinel", action="store_true")
    ge.add_argument("--conflicts", type=int, default=0)
    ge.add_argument("--variant", type=int)

    de = add("demo", cmd_demo, "generate and ingest the three demo schedules (idempotent)")
    de.add_argument("--small", action="store_true")

    be = add("bench", cmd_bench, "measure ingest and every flow against the performance budgets")
    bg = be.add_mutually_exclusive_group()
    bg.add_argument("--preset", choices=["real", "large", "xl", "catalogue", "tiny"], default="real")
    bg.add_argument("--schedule", type=int, help="measure a stored schedule instead of a generated preset")
    be.add_argument("--repeat", type=int, default=20)
    be.add_argument("--flows", help="comma-separated subset, e.g. sky-map,insights")
    be.add_argument("--json", action="store_true")
    be.add_argument("--browser", action="store_true", help="also time every page drawn in headless Chromium")
    be.add_argument("--users", type=int, metavar="N",
                    help="instead of the flow timings: N simulated users against tsi run (cold, warm, ramp)")
    be.add_argument("--seconds", type=float, default=30.0, help="length of each --users phase")
    be.add_argument("--shadow", type=float, metavar="RATE",
                    help="run with MIGRATION.SHADOW_RATE = RATE (its cost shows in the cached and miss timings)")

    et = add("etl", None, "analytics tables: status and backfill")
    etsub = et.add_subparsers(dest="etl_command", required=True, metavar="SUBCOMMAND")
    es = etsub.add_parser("status", help="freshness of every schedule's analytics")
    es.add_argument("schedule_id", type=int, nargs="?")
    es.set_defaults(fn=cmd_etl_status)
    eb = etsub.add_parser("backfill", help="recompute stale or missing analytics")
    eb.add_argument("schedule_id", type=int, nargs="?")
    eb.add_argument("--all", action="store_true")
    eb.add_argument("--force", action="store_true")
    eb.set_defaults(fn=cmd_etl_backfill)

    db = add("db", None, "database schema: upgrade and check")
    dbsub = db.add_subparsers(dest="db_command", required=True, metavar="SUBCOMMAND")
    dbsub.add_parser("upgrade", help="apply pending migrations").set_defaults(fn=cmd_db_upgrade)
    dbsub.add_parser("check", help="connectivity and schema report").set_defaults(fn=cmd_db_check)

    us = add("user", None, "users of AUTH.MODE basic: add, list, passwd, disable")
    usub = us.add_subparsers(dest="user_command", required=True, metavar="SUBCOMMAND")
    ua = usub.add_parser("add", help="add a user (the password is asked for, or read with --password-stdin)")
    ua.add_argument("name")
    ua.add_argument("--role", required=True, choices=["viewer", "editor", "admin"])
    ua.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    ua.set_defaults(fn=cmd_user_add)
    ul = usub.add_parser("list", help="the users (JSON)")
    ul.set_defaults(fn=cmd_user_list)
    up = usub.add_parser("passwd", help="set a user's password")
    up.add_argument("name")
    up.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    up.set_defaults(fn=cmd_user_passwd)
    ud = usub.add_parser("disable", help="disable a user (refused at the next request)")
    ud.add_argument("name")
    ud.set_defaults(fn=cmd_user_disable)

    au = add("audit", cmd_audit, "the audit log, newest first")
    au.add_argument("--since", help="ISO-8601 UTC time or MJD")
    au.add_argument("--limit", type=int, default=1000)
    au.add_argument("--json", action="store_true")
    return p


EXIT_CODES = [
    (ScheduleFormatError, 3),
    (ScheduleNotFoundError, 4),
    (DatabaseError, 5),
    (ConfigError, 6),
    (AnalyticsMissingError, 7),
]


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    a = parser.parse_args(argv)
    if a.env:
        os.environ["TSI_ENV"] = a.env
    if a.log_level:
        os.environ["TSI_LOG_LEVEL"] = a.log_level
    try:
        from tsi.config import get_settings
        from tsi.logging import setup_logging

        settings = get_settings()
        setup_logging(str(settings.LOG_LEVEL))
        return int(a.fn(a) or 0)
    except ScheduleFormatError as e:
        print(str(e), file=sys.stderr)
        return 3
    except TsiError as e:
        from tsi.secrets import mask_secrets

        print(f"error: {mask_secrets(str(e))}", file=sys.stderr)
        for cls, code in EXIT_CODES:
            if isinstance(e, cls):
                return code
        return 1
    except ValueError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
