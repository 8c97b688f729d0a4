"""`POST /api/schedules`: the web upload (flows.md §9, input-formats.md §6–§8).

Multipart fields: ``schedule`` (file, required), ``visibility`` and ``dark`` (files, optional, F1 only) and
``name`` (text, optional). Each file part is streamed by Werkzeug's multipart parser straight into its own file
in a per-request temporary directory (never held in memory), counted while it is written so that a part over
``UPLOAD.MAX_BYTES`` stops the request at once, and handed to :func:`tsi.data.ingest` by path. The temporary
directory is always removed.

Responses (JSON):

* 201 — the ingest result (``schedule_id``, ``name``, ``checksum``, ``blocks``, ``scheduled``, ``created``,
  ``warnings``) for a new schedule; 200 — the same for identical files that were already stored.
  An F1 schedule uploaded without a visibility file gets the warning
  "No visibility data: all B blocks are impossible.".
* 400 ``{"error": "format", "message", "problems": [{file, path, expected, got}, ...]}`` — rejected files;
  400 ``{"error": "request", "message", "problems": []}`` — no schedule part / not a multipart request.
* 413 ``{"error": "size", "message", "problems"}`` — a file over ``UPLOAD.MAX_BYTES`` or a request over
  3 × ``UPLOAD.MAX_BYTES`` + 1 MiB (also ``server.config["MAX_CONTENT_LENGTH"]``).
* 500 ``{"error": "database", "message"}`` — :class:`~tsi.errors.DatabaseError` (secrets masked);
  500 ``{"error": "internal", "message"}`` — anything else (details in the server log).
"""

from __future__ import annotations

import gzip
import logging
import os
import re
import shutil
import tempfile
from typing import IO, Any

from flask import Flask, jsonify, request
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.formparser import parse_form_data

__all__ = ["register", "request_limit", "looks_like_f1", "upload_label", "ENDPOINT", "FILE_FIELDS"]

log = logging.getLogger("tsi.upload")

ENDPOINT = "/api/schedules"
FILE_FIELDS = ("schedule", "visibility", "dark")
MIB = 1024 * 1024
MAX_FIELD_BYTES = 64 * 1024  # text fields (the name) are kept in memory
MAX_PARTS = 16


def request_limit(max_bytes: int) -> int:
    """The largest accepted request body: three files at the limit plus 1 MiB for the multipart framing."""
    return 3 * int(max_bytes) + MIB


def _max_bytes() -> int:
    from tsi.config import get_settings

    return int(get_settings().UPLOAD.MAX_BYTES)


def upload_label(filename: str | None, field: str) -> str:
    """The base name of an uploaded file as shown in messages (browsers may send a full path)."""
    base = re.split(r"[\\/]", filename or "")[-1].strip()
    return base or f"({field} file)"


# ------------------------------------------------------------------------------------------ errors


class _PartTooLarge(Exception):
    """Raised while a file part is being written, as soon as it exceeds the per-file limit."""

    def __init__(self, label: str, limit: int, received: int) -> None:
        super().__init__(label)
        self.label = label
        self.limit = limit
        self.received = received


def _json(body: dict, status: int):
    r = jsonify(body)
    r.status_code = status
    return r


def _too_large_file(label: str, limit: int, got: str):
    problem = {"file": label, "path": "(file)", "expected": f"at most {limit} bytes", "got": got}
    return _json({"error": "size", "message": f"{label}: (file): expected at most {limit} bytes; got {got}",
                  "problems": [problem]}, 413)


def _too_large_request(limit: int, got: int | None):
    got_text = f"{got} bytes" if got is not None else "more"
    problem = {"file": "(request)", "path": "(request)", "expected": f"at most {limit} bytes", "got": got_text}
    return _json({"error": "size",
                  "message": f"(request): expected at most {limit} bytes (3 files of at most "
                             f"{(limit - MIB) // 3} bytes); got {got_text}",
                  "problems": [problem]}, 413)


def _bad_request(message: str):
    return _json({"error": "request", "message": message, "problems": []}, 400)


# ------------------------------------------------------------------------------------------ streaming


class _CountingFile:
    """A file in the request's temporary directory that refuses to grow past the per-file limit."""

    def __init__(self, path: str, limit: int, label: str) -> None:
        self.path = path
        self.name = path
        self.limit = limit
        self.label = label
        self.size = 0
        self._f: IO[bytes] = open(path, "w+b")  # noqa: SIM115 - closed by the request's cleanup

    def write(self, data: bytes) -> int:
        self.size += len(data)
        if self.size > self.limit:
            raise _PartTooLarge(self.label, self.limit, self.size)
        return self._f.write(data)

    def __getattr__(self, item: str) -> Any:  # read, seek, tell, flush, close, ...
        return getattr(self._f, item)


class _PartFactory:
    """Werkzeug stream factory: one counting file per file part."""

    def __init__(self, directory: str, limit: int) -> None:
        self.directory = directory
        self.limit = limit
        self.files: list[_CountingFile] = []

    def __call__(self, total_content_length=None, content_type=None, filename=None, content_length=None):
        label = upload_label(filename, "upload")
        f = _CountingFile(os.path.join(self.directory, f"part-{len(self.files)}"), self.limit, label)
        self.files.append(f)
        return f

    def close_all(self) -> None:
        for f in self.files:
            try:
                f.close()
            except Exception:  # noqa: BLE001 - cleanup never fails the request
                pass


# ------------------------------------------------------------------------------------------ format sniffing

_F1_KEY = re.compile(rb'"SchedulingBlock"\s*:\s*\[')


def looks_like_f1(path: str, chunk_size: int = 1 << 20) -> bool:
    """Whether a schedule file that ingested successfully is an F1 scheduler dump (gzip aware).

    A valid F1 file has a top-level ``"SchedulingBlock": [``; a valid F2 file cannot have that key at the top
    level (it would be ambiguous), and inside JSON strings the quotes are escaped, so a streamed byte search is
    enough. F1 dumps put the key first, so the search usually ends in the first chunk.
    """
    with open(path, "rb") as raw:
        magic = raw.read(2)
    opener = gzip.open if magic == b"\x1f\x8b" else open
    tail = b""
    with opener(path, "rb") as f:
        while True:
            chunk = f.read(chunk_size)
            if not chunk:
                return False
            buf = tail + chunk
            if _F1_KEY.search(buf):
                return True
            tail = buf[-64:]


# ------------------------------------------------------------------------------------------ endpoint


def _ingest_response(files: dict[str, tuple[str, str]], name: str | None):
    from tsi import data
    from tsi.errors import DatabaseError, ScheduleFormatError
    from tsi.secrets import mask_secrets

    sched_path, sched_label = files["schedule"]
    vis = files.get("visibility")
    dark = files.get("dark")
    labels = {field: label for field, (_path, label) in files.items()}
    try:
        result = data.ingest(sched_path, vis[0] if vis else None, dark[0] if dark else None, name=name,
                             labels=labels)
    except ScheduleFormatError as e:
        return _json({"error": "format", "message": mask_secrets(str(e)),
                      "problems": [{k: mask_secrets(p.get(k, "")) for k in ("file", "path", "expected", "got")}
                                   for p in e.errors]}, 400)
    except DatabaseError as e:
        log.error("upload of %s failed: %s", sched_label, mask_secrets(str(e)))
        return _json({"error": "database", "message": mask_secrets(str(e))}, 500)
    except Exception as e:  # noqa: BLE001 - never a stack trace to the client
        log.exception("upload of %s failed", sched_label)
        return _json({"error": "internal", "message": f"Internal error: {mask_secrets(str(e))} "
                                                       "(details in the server log)."}, 500)

    body = dict(result)
    warnings = [str(w) for w in body.get("warnings") or []]
    if vis is None:
        try:
            if looks_like_f1(sched_path):
                warnings.append(f"No visibility data: all {int(body['blocks'])} blocks are impossible.")
        except OSError:  # the file was readable a moment ago; a failed sniff only loses the hint
            log.warning("could not re-read %s to detect its format", sched_label)
    body["warnings"] = warnings
    log.info("upload %s -> schedule %s (%s)", sched_label, body.get("schedule_id"),
             "created" if body.get("created") else "existing")
    return _json(body, 201 if body.get("created") else 200)


def _upload():
    max_bytes = _max_bytes()
    limit = request_limit(max_bytes)
    if request.content_length is not None and request.content_length > limit:
        return _too_large_request(limit, request.content_length)
    if request.mimetype != "multipart/form-data":
        return _bad_request("Expected a multipart/form-data request with a 'schedule' file.")

    tmpdir = tempfile.mkdtemp(prefix="tsi-upload-")
    factory = _PartFactory(tmpdir, max_bytes)
    try:
        try:
            _stream, form, parts = parse_form_data(request.environ, stream_factory=factory,
                                                   max_content_length=limit, max_form_memory_size=MAX_FIELD_BYTES,
                                                   max_form_parts=MAX_PARTS, silent=False)
        except _PartTooLarge as e:
            return _too_large_file(e.label, e.limit, f"more than {e.limit} bytes")
        except RequestEntityTooLarge:
            return _too_large_request(limit, request.content_length)
        except ValueError as e:
            return _bad_request(f"Malformed multipart request: {e}")

        files: dict[str, tuple[str, str]] = {}
        for field in FILE_FIELDS:
            part = parts.get(field)
            if part is None:
                continue
            stream = part.stream
            stream.flush()
            size = os.path.getsize(stream.name)
            if not part.filename and size == 0:  # an empty <input type=file> sends an empty, nameless part
                continue
            files[field] = (stream.name, upload_label(part.filename, field))
        if "schedule" not in files:
            return _bad_request("No schedule file: the multipart field 'schedule' is required.")

        name = (form.get("name") or "").strip() or None
        return _ingest_response(files, name)
    finally:
        factory.close_all()
        shutil.rmtree(tmpdir, ignore_errors=True)


def register(server: Flask) -> None:
    """Add the upload endpoint and the request size limit to the Flask server."""
    server.config["MAX_CONTENT_LENGTH"] = request_limit(_max_bytes())
    server.add_url_rule(ENDPOINT, "tsi_upload_schedule", _upload, methods=["POST"])

    @server.errorhandler(RequestEntityTooLarge)
    def _request_too_large(exc):
        if request.path.startswith("/api/"):
            return _too_large_request(request_limit(_max_bytes()), request.content_length)
        return exc
