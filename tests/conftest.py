"""Shared fixtures: every test that touches the database gets its own SQLite file (environment `testing`)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
for extra in (ROOT / "tests", ROOT / "tests" / "ui"):
    if str(extra) not in sys.path:
        sys.path.insert(0, str(extra))


def _reset():
    from tsi import data
    from tsi.config import reset_settings

    reset_settings()
    data.reset()


@pytest.fixture
def tsi_db(tmp_path, monkeypatch):
    """A fresh embedded database; returns its path."""
    db = tmp_path / "tsi.sqlite3"
    monkeypatch.setenv("TSI_ENV", "testing")
    monkeypatch.setenv("TSI_DATABASE__SQLITE_PATH", str(db))
    monkeypatch.delenv("TSI_DATA_SOURCE", raising=False)
    _reset()
    yield db
    _reset()


@pytest.fixture(scope="session")
def generated(tmp_path_factory):
    """Generated schedules shared by the session: {name: directory}."""
    from tsi import _core

    root = tmp_path_factory.mktemp("generated")
    specs = {
        "season": dict(n_blocks=300, seed=11, format="f1", days=20.0),
        "variant": dict(n_blocks=300, seed=11, format="f1", days=20.0, variant=3),
        "conflicts": dict(n_blocks=120, seed=5, format="f1", days=6.0, conflicts=4),
        "night": dict(n_blocks=60, seed=3, format="f2", days=1.0, sentinel=True),
    }
    out = {}
    for name, kw in specs.items():
        d = root / name
        d.mkdir()
        _core.generate(str(d), **kw)
        out[name] = d
    return out
