from tsi.figures.migration import NO_LATENCY, PATH_COLORS, latency_figure


def test_latency_bars_per_flow_path_and_quantile():
    table = {"trends": {"legacy": {"p50_ms": 20.0, "p95_ms": 30.0, "count": 4}},
             "sky_map": {"legacy": {"p50_ms": 1.0, "p95_ms": 2.0, "count": 9},
                         "etl": {"p50_ms": 0.5, "p95_ms": 0.9, "count": 9}}}
    fig = latency_figure(table)
    names = [t["name"] for t in fig["data"]]
    assert names == ["legacy p50", "legacy p95", "ETL p50", "ETL p95"]
    legacy_p95 = fig["data"][1]
    assert legacy_p95["x"] == ["sky_map", "trends"] and legacy_p95["y"] == [2.0, 30.0]
    assert fig["data"][3]["y"] == [0.9, None]  # trends not measured on ETL: no bar
    assert fig["data"][0]["marker"]["color"] == fig["data"][1]["marker"]["color"] == PATH_COLORS["legacy"]
    # the quantile is told by pattern, not only by colour
    assert fig["data"][0]["marker"]["pattern"]["shape"] != fig["data"][1]["marker"]["pattern"]["shape"]
    assert fig["layout"]["yaxis"]["type"] == "log"


def test_no_measurements_say_so():
    fig = latency_figure({})
    assert fig["data"] == [] and NO_LATENCY in str(fig["layout"])
