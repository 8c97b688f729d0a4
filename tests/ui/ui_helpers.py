"""Assertions shared by the UI tests."""

from __future__ import annotations


def external_requests(dash_duo) -> list[str]:
    """Every resource the page loaded from somewhere other than the app's own server."""
    urls = dash_duo.driver.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name).concat([location.href]);")
    return [u for u in urls if not (u.startswith("http://127.0.0.1") or u.startswith("http://localhost")
                                    or u.startswith("data:"))]


def console_errors(dash_duo) -> list[dict]:
    return [e for e in dash_duo.get_logs() or [] if e.get("level") == "SEVERE"]


def open_page(dash_duo, path: str, wait_for: str, timeout: int = 20):
    dash_duo.driver.get(dash_duo.server_url + path)
    dash_duo.wait_for_element(wait_for, timeout=timeout)


def assert_clean(dash_duo):
    # (a helper module: pytest does not rewrite these asserts, so the findings go in the message)
    outside = external_requests(dash_duo)
    assert outside == [], outside
    errors = console_errors(dash_duo)
    assert errors == [], errors


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_app(dash_duo, app) -> None:
    """Start the app on a free loopback port (tests may run beside each other)."""
    dash_duo.start_server(app, port=free_port())
