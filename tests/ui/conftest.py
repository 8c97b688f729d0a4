"""UI tests: the real app in a thread, driven by headless Chromium (Debian's chromium + chromium-driver)."""

from __future__ import annotations

import shutil

import pytest
from selenium.webdriver.chrome.options import Options

from builders import ingest_dir


def pytest_setup_options():
    """Browser options for dash[testing]: Debian's Chromium, headless, no sandbox (CI runs as root)."""
    options = Options()
    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    if binary:
        options.binary_location = binary
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=1400,1000", "--disable-background-networking", "--disable-component-update",
                "--no-first-run", "--disable-sync", "--disable-default-apps"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return options


@pytest.fixture(params=["legacy", "etl"])
def ui_env(request, tmp_path, monkeypatch, generated):
    """Settings for one DATA_SOURCE with two generated schedules; returns (source, {name: schedule_id})."""
    from tsi import data
    from tsi.config import reset_settings

    monkeypatch.setenv("TSI_ENV", "testing")
    monkeypatch.setenv("TSI_DATABASE__SQLITE_PATH", str(tmp_path / "ui.sqlite3"))
    monkeypatch.setenv("TSI_DATA_SOURCE", request.param.upper() if request.param == "etl" else request.param)
    reset_settings()
    data.reset()
    ids = {name: ingest_dir(generated[name])["schedule_id"] for name in ("season", "variant", "night")}
    yield request.param, ids
    reset_settings()
    data.reset()


@pytest.fixture
def tsi_app(ui_env):
    import app as app_module

    return app_module.app
