"""Per-path latency and fallback counts from the metrics (operations.md §4), for the readiness report.

The families come from this process's scrape (summed over the workers under gunicorn) or from a server's
``/metrics`` text; either way the same reading applies. Latency is the path's own work: cache misses, bypasses
and shadow computations of ``tsi_flow_seconds`` (a cache hit measures the cache, not the path). Quantiles are
interpolated linearly inside the histogram's buckets, as PromQL's ``histogram_quantile`` does.
"""

from __future__ import annotations

import math
import urllib.error
import urllib.request
from typing import Any, Iterable

__all__ = ["quantile", "flow_latency", "fallback_counts", "local_families", "remote_families", "default_url"]

PATH_WORK = ("miss", "bypass")


def quantile(q: float, buckets: list[tuple[float, float]]) -> float | None:
    """The ``q`` quantile of a histogram given as sorted (upper bound, cumulative count) pairs, the last bound
    +Inf (None when empty). Inside the +Inf bucket the answer is the highest finite bound."""
    if not buckets or buckets[-1][1] <= 0:
        return None
    total = buckets[-1][1]
    rank = q * total
    lower_bound, lower_count = 0.0, 0.0
    for bound, count in buckets:
        if count >= rank:
            if math.isinf(bound):
                return lower_bound
            if count == lower_count:
                return bound
            return lower_bound + (bound - lower_bound) * (rank - lower_count) / (count - lower_count)
        lower_bound, lower_count = bound, count
    return lower_bound


def _samples(families: Iterable[Any], name: str) -> Iterable[Any]:
    for fam in families:
        if fam.name == name or fam.name + "_total" == name:
            for s in fam.samples:
                yield s


def flow_latency(families: list[Any]) -> dict[str, dict[str, dict[str, float | int | None]]]:
    """flow → source → {p50_ms, p95_ms, count} of the path's own work."""
    cumulative: dict[tuple[str, str], dict[float, float]] = {}
    for s in _samples(families, "tsi_flow_seconds"):
        if not s.name.endswith("_bucket") or s.labels.get("cache") not in PATH_WORK:
            continue
        key = (s.labels["flow"], s.labels["source"])
        bound = float(s.labels["le"])
        per = cumulative.setdefault(key, {})
        per[bound] = per.get(bound, 0.0) + float(s.value)
    out: dict[str, dict[str, dict[str, float | int | None]]] = {}
    for (flow, source), per in sorted(cumulative.items()):
        buckets = sorted(per.items())
        p50, p95 = quantile(0.5, buckets), quantile(0.95, buckets)
        out.setdefault(flow, {})[source] = {
            "p50_ms": None if p50 is None else round(p50 * 1e3, 3),
            "p95_ms": None if p95 is None else round(p95 * 1e3, 3),
            "count": int(buckets[-1][1]) if buckets else 0,
        }
    return out


def fallback_counts(families: list[Any]) -> dict[str, dict[str, int]]:
    """flow → reason → ETL requests served from the legacy path (only flows with any)."""
    out: dict[str, dict[str, int]] = {}
    for s in _samples(families, "tsi_etl_fallback_total"):
        if s.name.endswith("_total") and s.value > 0:
            out.setdefault(s.labels["flow"], {})[s.labels["reason"]] = int(s.value)
    return out


def local_families() -> list[Any]:
    """This deployment's metrics as a scrape of this process sees them (all workers under gunicorn)."""
    from tsi import metrics

    return list(metrics.scrape_families())


def default_url(settings: Any) -> str:
    url = str(settings.MIGRATION.METRICS_URL or "").strip()
    if url:
        return url
    host = str(settings.SERVER.HOST or "127.0.0.1").strip()
    if host in ("0.0.0.0", "::", "[::]", ""):
        host = "127.0.0.1"
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"http://{host}:{int(settings.SERVER.PORT)}/metrics"


def remote_families(url: str, timeout: float = 5.0) -> list[Any]:
    """The families of a server's ``/metrics`` (raises OSError with the reason when it cannot be read)."""
    from prometheus_client.parser import text_string_to_metric_families

    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:  # noqa: S310 - an operator's own URL
            text = r.read().decode("utf-8")
    except urllib.error.HTTPError as e:
        raise OSError(f"{url} answered {e.code}") from None
    except (urllib.error.URLError, TimeoutError) as e:
        raise OSError(f"{url}: {getattr(e, 'reason', e)}") from None
    return list(text_string_to_metric_families(text))
