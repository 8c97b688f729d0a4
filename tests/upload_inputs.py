"""Upload test inputs: generated schedules pretty-printed as exporters write them, multipart bodies written to
disk like a browser sends them, and the app served over a real socket."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import orjson

FILES = ("schedule.json", "possible_periods.json", "dark_periods.json")
# the shape of Chromium's boundary, so the decoder meets the boundary length it meets in production
BROWSER_BOUNDARY = "----WebKitFormBoundaryq7ZcX2mT9bLf4RwA"


def pretty_print(src: Path, dst: Path, crlf: bool) -> Path:
    """`src` pretty-printed with LF or CRLF line ends (a JSON string never holds a raw line break)."""
    # orjson's OPT_INDENT_2 writes these ASCII files byte for byte as json.dump(indent=2) does, ~5x faster
    text = orjson.dumps(orjson.loads(src.read_bytes()), option=orjson.OPT_INDENT_2) + b"\n"
    dst.write_bytes(text.replace(b"\n", b"\r\n") if crlf else text)
    return dst


def pretty_generated_set(root: Path, blocks: int, crlf: bool, seed: int = 1, days: float = 30.0) -> Path:
    """What `tsi generate OUT --blocks N [--days D]` writes (schedule, visibility, dark), pretty-printed; returns
    the dir. `tsi bench`'s `real` preset is 2,647 blocks over 365 days (seed 2647)."""
    from tsi import _core

    raw = root / f"raw-{blocks}-{seed}-{days:g}"
    if not (raw / FILES[0]).exists():
        raw.mkdir(parents=True, exist_ok=True)
        _core.generate(str(raw), blocks, seed=seed, days=days)
    out = root / f"pretty-{blocks}-{seed}-{days:g}-{'crlf' if crlf else 'lf'}"
    out.mkdir(parents=True, exist_ok=True)
    for name in FILES:
        pretty_print(raw / name, out / name, crlf)
    return out


def write_multipart(path: Path, parts: list[tuple[str, str | None, Path | str]],
                    boundary: str = BROWSER_BOUNDARY) -> str:
    """Write a multipart/form-data body to `path`; returns its Content-Type.

    `parts` are (field, filename, source): a file part copies the file at `source`, a text part (filename None)
    sends the string `source`. Writing to disk lets a large body be posted without holding it in memory.
    """
    with open(path, "wb") as out:
        for field, filename, source in parts:
            disposition = f'form-data; name="{field}"'
            if filename is not None:
                disposition += f'; filename="{filename}"'
            out.write(f"--{boundary}\r\nContent-Disposition: {disposition}\r\n".encode())
            if filename is not None:
                out.write(b"Content-Type: application/json\r\n")
            out.write(b"\r\n")
            if filename is None:
                out.write(str(source).encode())
            else:
                with open(source, "rb") as f:
                    while chunk := f.read(1 << 20):
                        out.write(chunk)
            out.write(b"\r\n")
        out.write(f"--{boundary}--\r\n".encode())
    return f"multipart/form-data; boundary={boundary}"


@contextmanager
def serving(wsgi_app) -> Iterator[str]:
    """Serve `wsgi_app` with Werkzeug's threaded server on a free loopback port; yields the base URL."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, wsgi_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="upload-test-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
