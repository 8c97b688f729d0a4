"""One full task by keyboard only, in headless Chromium: skip link first, choose a schedule in the navigation's
selector, open the Timeline, change a filter, download the CSV. No clicks: every step is Tab / arrows / typing /
Enter sent to whatever element has the focus, and each control reached shows a visible focus indicator."""

from __future__ import annotations

import time
from pathlib import Path

from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.keys import Keys

from ui_helpers import assert_clean, open_page, start_app

MAX_TABS = 120

FOCUS_STYLE = """
const el = document.activeElement;
if (!el || el === document.body) return null;
const own = getComputedStyle(el);
const ring = (s) => (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0)
                    || (s.boxShadow && s.boxShadow !== 'none');
let visible = ring(own);
// a visually hidden checkbox/radio (Bootstrap's btn-check) shows its focus on the label right after it
const next = el.nextElementSibling;
if (!visible && next && next.tagName === 'LABEL') visible = ring(getComputedStyle(next));
const host = el.closest('.dash-dropdown-wrapper, .dash-dropdown');
if (!visible && host) visible = ring(getComputedStyle(host));
return visible;
"""


def active(dash_duo):
    return dash_duo.driver.switch_to.active_element


def press(dash_duo, *keys) -> None:
    """Keys to whatever has the focus, as a keyboard would (native key events, no element targeted)."""
    ActionChains(dash_duo.driver).send_keys(*keys).perform()


def focused_matches(dash_duo, selector: str) -> bool:
    return bool(dash_duo.driver.execute_script(
        "const el = document.activeElement; return !!el && el !== document.body && "
        "(el.matches(arguments[0]) || !!el.closest(arguments[0]));", selector))


def tab_to(dash_duo, selector: str) -> None:
    """Tab forward until the focus is on (or inside) `selector`; fail if it never gets there."""
    for _ in range(MAX_TABS):
        if focused_matches(dash_duo, selector):
            assert dash_duo.driver.execute_script(FOCUS_STYLE), f"no visible focus on {selector}"
            return
        press(dash_duo, Keys.TAB)
        time.sleep(0.05)
    raise AssertionError(f"Tab never reached {selector}")


def wait_for(condition, timeout: float = 20.0, what: str = "condition"):
    end = time.time() + timeout
    while time.time() < end:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def test_choose_schedule_filter_and_download_by_keyboard(dash_duo, tsi_app, ui_env):
    from tsi import data

    _source, ids = ui_env
    sid = ids["variant"]
    name = next(r["name"] for r in data.list_schedules() if r["schedule_id"] == sid)
    p = data.timeline(sid)
    n = p["summary"]["scheduled_count"]
    threshold = float(sorted(p["blocks"]["priority"])[n // 2])
    expected = int((p["blocks"]["priority"] >= threshold).sum())

    start_app(dash_duo, tsi_app)
    open_page(dash_duo, "/", "#home-grid .ag-row")
    press(dash_duo, Keys.TAB)

    # 1. the first Tab lands on the skip link, which becomes visible; Enter moves the focus to the content
    assert focused_matches(dash_duo, "#tsi-skip-link"), active(dash_duo).get_attribute("outerHTML")[:200]
    assert dash_duo.driver.execute_script(
        "return document.activeElement.getBoundingClientRect().top >= 0;")
    assert dash_duo.driver.execute_script(FOCUS_STYLE)

    # 2. the schedule selector: open it from the keyboard, type part of the name, choose with Enter
    tab_to(dash_duo, "#schedule-selector, .dash-dropdown-focus-target")
    press(dash_duo, Keys.ARROW_DOWN)
    wait_for(lambda: dash_duo.driver.find_elements("css selector", ".dash-dropdown-option"), 10,
             "the selector's options")
    wait_for(lambda: focused_matches(dash_duo, ".dash-dropdown-search"), 5, "the focus in the selector's search box")
    press(dash_duo, f"({sid})")
    time.sleep(0.3)
    press(dash_duo, Keys.ARROW_DOWN)
    press(dash_duo, Keys.ENTER)
    wait_for(lambda: f"schedule={sid}" in dash_duo.driver.current_url, 10, "the chosen schedule in the URL")
    press(dash_duo, Keys.ESCAPE)

    # 3. the Timeline through the navigation: Tab to its link, Enter
    dash_duo.wait_for_element(f"#nav-timeline[href='/timeline?schedule={sid}']", timeout=10)
    tab_to(dash_duo, "#nav-timeline")
    press(dash_duo, Keys.ENTER)
    dash_duo.wait_for_element("#tl-table .ag-row", timeout=30)
    dash_duo.wait_for_contains_text(".tsi-schedule-name", name, timeout=10)
    dash_duo.wait_for_contains_text("#tl-showing", f"Showing {n:,} of {n:,}", timeout=15)

    # 4. a filter: the minimum priority, typed and confirmed with Enter
    tab_to(dash_duo, "#tl-min-priority")
    press(dash_duo, str(threshold), Keys.ENTER)
    dash_duo.wait_for_contains_text("#tl-showing", f"Showing {expected:,} of {n:,}", timeout=15)

    # 5. the download: Tab to the button, Enter; the file holds the filtered rows
    tab_to(dash_duo, "#tl-download-btn")
    press(dash_duo, Keys.ENTER)
    path = Path(dash_duo.download_path) / f"timeline_{sid}.csv"
    wait_for(lambda: path.exists() and path.stat().st_size > 0, 20, f"{path.name} to be downloaded")
    lines = [line for line in path.read_text().splitlines() if line.strip()]
    assert len(lines) == expected + 1, (len(lines), expected)
    assert_clean(dash_duo)


def test_shell_and_upload_are_reachable_with_a_visible_focus(dash_duo, tsi_app, ui_env):
    """Tab through the navigation and on into the Home page's upload: each link, the selector, the file inputs
    (native <input type="file">, opened with Enter or Space) and the name box take the focus and show it."""
    start_app(dash_duo, tsi_app)
    open_page(dash_duo, "/", "#home-file-schedule")
    press(dash_duo, Keys.TAB)
    for selector in ["#tsi-skip-link", "#nav-home", "#nav-sky-map", "#nav-timeline", "#nav-data-source",
                     ".dash-dropdown-focus-target, #schedule-selector", "#home-file-schedule",
                     "#home-file-visibility", "#home-file-dark", "#home-upload-name"]:
        tab_to(dash_duo, selector)
