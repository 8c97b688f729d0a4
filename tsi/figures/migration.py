"""The migration cockpit's figure: per-flow latency of each data path (the readiness report's ``latency``
table → a Plotly figure dict, no I/O).

p50 and p95 per path as grouped bars on a log axis (flows span microseconds to seconds). The two paths differ
in colour (a colour-vision-deficiency-safe pair) and the two quantiles in fill pattern, so neither is told by
colour alone.
"""

from __future__ import annotations

from tsi.figures.common import base_layout, empty_figure

from tsi.figures.palette import PATH_COLORS  # Okabe–Ito orange and sky blue
PATH_NAMES = {"legacy": "legacy", "etl": "ETL"}
QUANTILE_PATTERNS = {"p50_ms": "", "p95_ms": "/"}
NO_LATENCY = "No latency measured yet: flows served since the servers started appear here."


def latency_figure(table: dict | None, height: int = 360) -> dict:
    """``{flow: {source: {p50_ms, p95_ms, count}}}`` → grouped bars (flows on x, milliseconds on a log y)."""
    if not table:
        return empty_figure(NO_LATENCY, height)
    flows = sorted(table)
    data = []
    for source in ("legacy", "etl"):
        for key, pattern in QUANTILE_PATTERNS.items():
            y = [(table[f].get(source) or {}).get(key) for f in flows]
            counts = [(table[f].get(source) or {}).get("count", 0) for f in flows]
            label = f"{PATH_NAMES[source]} {key[:3]}"
            data.append({
                "type": "bar", "name": label, "x": flows, "y": y, "customdata": counts,
                "offsetgroup": f"{source}-{key}",
                "marker": {"color": PATH_COLORS[source], "pattern": {"shape": pattern, "fgcolor": "#111111"},
                           "line": {"color": "#111111", "width": 1}},
                "hovertemplate": f"%{{x}}<br>{label}: %{{y:.3f}} ms<br>%{{customdata}} calls<extra></extra>",
            })
    layout = base_layout(height, barmode="group", title={"text": "Latency per flow and path (cache misses and "
                                                                 "shadow runs)"},
                         yaxis={"title": {"text": "ms (log)"}, "type": "log"},
                         xaxis={"title": {"text": "flow"}})
    return {"data": data, "layout": layout}
