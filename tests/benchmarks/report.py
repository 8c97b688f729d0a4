"""The budget rows of a run and the text table `tsi bench` prints."""

from __future__ import annotations

from .browser import VISITS
from .presets import BUDGETS


def checks(result: dict, preset: str | None) -> list[dict]:
    """Every budget row with the measured value and a pass mark."""
    out = []

    def add(name, value, budget, unit="ms"):
        out.append({"measure": name, "value": value, "budget": budget, "unit": unit,
                    "ok": None if budget is None or value is None else value <= budget})

    if "ingest" in result:
        add("ingest + ETL", result["ingest"]["ingest_and_etl_ms"], BUDGETS["ingest"].get(preset))
        if result["ingest"].get("peak_rss_mb") is not None:
            add("ingest process peak memory", result["ingest"]["peak_rss_mb"],
                BUDGETS["peak_memory_mb"].get(preset), "MB")
    for source, mb in (result.get("worker_peak_mb") or {}).items():
        add(f"worker peak memory serving every page, {source}", mb, BUDGETS["peak_memory_mb"].get(preset), "MB")
    cat = result.get("catalogue")
    if cat:
        b = BUDGETS["catalogue"]
        add(f"GET /api/schedules, {cat['listed']} schedules (median)", cat["api_list_ms"]["median_ms"], b["api_list_ms"])
        add("Home drawn (median)", cat["home_ms"]["median_ms"], b["home_ms"])
        add("schedule selector opened (median)", cat["selector_ms"]["median_ms"], b["selector_ms"])
    for r in result["flows"]:
        if r.get("etl"):
            add(f"{r['flow']} etl cold (median)", r["etl"]["median_ms"], BUDGETS["etl"].get(preset))
            add(f"{r['flow']} etl / raw scan", r["etl_over_scan"], BUDGETS["scan_ratio"], "×")
        add(f"{r['flow']} legacy cold (median)", r["legacy"]["median_ms"], BUDGETS["legacy"].get(preset))
        add(f"{r['flow']} cached (p95)", r["cached"]["p95_ms"], BUDGETS["cached"].get(preset or "real"))
    load = result.get("load")
    if load:
        n = load["warm"]["users"]
        for phase in ("cold", "warm"):
            add(f"{n} users, {phase} cache: p95", load[phase]["p95_ms"],
                BUDGETS["load_p95"][phase].get(preset) if n >= 32 else None)
            add(f"{n} users, {phase} cache: errors", load[phase]["errors"], 0, "")
        if "ramp" in load:
            add("throughput where p95 crosses 500 ms", load["ramp"]["crossed_at_rps"], None, "/s")
    if "trends_model" in result:
        add("trends model fit (median)", result["trends_model"]["median_ms"], BUDGETS["trends_model"].get(preset))
    for source, pages in (result.get("browser") or {}).items():
        etl = source == "etl"
        for path, t in pages.items():
            add(f"page {path} drawn, {source} (median of {VISITS})", t["median_ms"],
                BUDGETS["page"].get(preset) if etl else None)
            add(f"page {path} callbacks, {source} (server)", t["server_ms"],
                BUDGETS["page_server"].get(preset) if etl else None)
            if etl:
                add(f"page {path} bytes transferred", t["bytes"],
                    (BUDGETS["page_bytes"].get(preset) or {}).get(path), "B")
    peer = result.get("pandas_peer")
    if peer is None:
        return out
    add("ours (etl) / pandas notebook", peer["ratio_etl"], BUDGETS["peer_ratio"], "×")
    add("ours (legacy) / pandas notebook", peer["ratio_legacy"], None, "×")
    return out


def format_table(result: dict) -> str:
    cat = result.get("catalogue")
    if cat:
        lines = [f"tsi bench — preset catalogue: {cat['schedules']} schedules of {cat['blocks_each']} blocks "
                 f"(stored in {cat['fill_ms'] / 1e3:.0f} s), {result['machine']['cpus']} CPUs"]
    else:
        lines = [f"tsi bench — preset {result['preset'] or '-'}, schedule {result['schedule_id']}, "
                 f"{result['blocks']} blocks, {result['repeat']} repeats, {result['machine']['cpus']} CPUs"]
    if "ingest" in result:
        i = result["ingest"]
        peak = "" if i.get("peak_rss_mb") is None else f", peak memory {i['peak_rss_mb']:,.0f} MB"
        lines.append(f"ingest + ETL: {i['ingest_and_etl_ms']:.0f} ms (ETL {i['etl_ms']} ms), "
                     f"files {sum(i['file_bytes'].values()) / 1e6:.1f} MB{peak}")
    load = result.get("load")
    if load:
        lines.append("")
        lines.append(f"load ({load['mix']} actions, pause ~{load['think_s']:g} s): users requests   req/s    p50    p95"
                     f"    p99 errors misses")
        rows = [("cold", load["cold"]), ("warm", load["warm"])] + [("ramp", s) for s in
                                                                   (load.get("ramp") or {}).get("steps", [])]
        for name, r in rows:
            miss = r.get("cache_miss_share")
            lines.append(f"  {name:<6} {r['users']:>26} {r['requests']:>8} {r['throughput_rps']:>7} "
                         f"{r['p50_ms']!s:>6} {r['p95_ms']!s:>6} {r['p99_ms']!s:>6} {r['errors']:>6} "
                         f"{'' if miss is None else f'{miss:.0%}':>6}")
    if result["flows"]:
        lines.append("")
        lines.append(f"{'flow':<15} {'legacy med':>10} {'etl min':>8} {'etl med':>8} {'etl p95':>8} {'cached':>7} "
                     f"{'miss':>7} {'scan':>7} {'etl/scan':>8} {'speed-up':>8} {'bytes':>10}")
    for r in result["flows"]:
        e = r.get("etl") or {}
        lines.append(f"{r['flow']:<15} {r['legacy']['median_ms']:>10.2f} {e.get('min_ms', float('nan')):>8.2f} "
                     f"{e.get('median_ms', float('nan')):>8.2f} {e.get('p95_ms', float('nan')):>8.2f} "
                     f"{r['cached']['median_ms']:>7.3f} {r['miss']['median_ms']:>7.2f} {r['raw_scan']['median_ms']:>7.2f} "
                     f"{r.get('etl_over_scan', float('nan')):>8.2f} {r.get('etl_speedup', float('nan')):>8.2f} "
                     f"{r.get('payload_bytes', 0):>10,}")
    sh = result.get("shadow")
    if sh and sh["rate"]:
        lines.append(f"shadow comparison at rate {sh['rate']:g}: " + ", ".join(f"{v} {k}" for k, v in sh["outcomes"].items()))
    for source, pages in (result.get("browser") or {}).items():
        lines.append("")
        lines.append(f"pages, {source}: {'drawn med':>9} {'first':>7} {'via nav':>7} {'server':>7} {'callbacks':>9} "
                     f"{'bytes':>10}")
        for path, t in pages.items():
            nav = "-" if t["navigate_ms"] is None else f"{t['navigate_ms']:.0f}"
            lines.append(f"  {path:<15} {t['median_ms']:>9.0f} {t['first_ms']:>7.0f} {nav:>7} {t['server_ms']:>7.1f} "
                         f"{t['callbacks']:>9} {t['bytes']:>10,}")
    lines.append("")
    lines.append(f"{'measure':<44} {'value':>10} {'budget':>10}  ")
    for c in result["budgets"]:
        v = "-" if c["value"] is None else f"{c['value']:.3f}" if c["unit"] == "×" else \
            f"{c['value']:,.0f}" if c["unit"] in ("B", "MB") else f"{c['value']:.2f}"
        b = "-" if c["budget"] is None else f"{c['budget']:g}"
        mark = {True: "✓", False: "✗", None: " "}[c["ok"]]
        lines.append(f"{c['measure']:<44} {v:>10} {b:>10} {c['unit']:<2} {mark}")
    return "\n".join(lines)
