"""`tsi demo`: three generated schedules with fixed seeds, ingested idempotently (identical files → created=false).

* a 120-night season of 2,000 blocks (F1 with visibility and dark-period files),
* a rescheduled variant of it (for Compare),
* one night of 150 blocks (F2, unscheduled blocks written with the sentinel period).
"""

from __future__ import annotations

from pathlib import Path

from tsi import data
from tsi.config import project_root

SEASON_SEED = 2028
NIGHT_SEED = 7


def _specs(small: bool) -> list[dict]:
    k = 10 if small else 1
    return [
        {"dir": "season", "name": "Demo season (120 nights)", "n_blocks": 2000 // k, "seed": SEASON_SEED,
         "format": "f1", "days": 120.0 / k, "variant": None, "sentinel": False},
        {"dir": "season-rescheduled", "name": "Demo season, rescheduled", "n_blocks": 2000 // k,
         "seed": SEASON_SEED, "format": "f1", "days": 120.0 / k, "variant": 1, "sentinel": False},
        {"dir": "night", "name": "Demo night (F2)", "n_blocks": max(15, 150 // k), "seed": NIGHT_SEED,
         "format": "f2", "days": 1.0, "variant": None, "sentinel": True},
    ]


def load_demo(small: bool = False, out_root: Path | None = None) -> list[dict]:
    root = out_root or (project_root() / "var" / ("demo-small" if small else "demo"))
    results = []
    for spec in _specs(small):
        out = root / spec["dir"]
        out.mkdir(parents=True, exist_ok=True)
        data.core().generate(str(out), spec["n_blocks"], seed=spec["seed"], format=spec["format"],
                             days=spec["days"], variant=spec["variant"], sentinel=spec["sentinel"])
        if spec["format"] == "f1":
            r = data.ingest(out / "schedule.json", out / "possible_periods.json", out / "dark_periods.json",
                            name=spec["name"])
        else:
            r = data.ingest(out / "schedule.json", name=spec["name"])
        r.pop("warnings", None)
        results.append(r)
    return results
