"""`POST /api/schedules`: the web upload (flows.md §9, input-formats.md §6–§8).

Multipart fields: ``schedule`` (file, required), ``visibility`` and ``dark`` (files, optional, F1 only) and
``name`` (text, optional). The body is read in 64 KiB chunks and decoded by Werkzeug's sans-IO
``MultipartDecoder``; this module applies the limits itself, each to what it is meant for:

* a file part is streamed straight into its own file in a per-request temporary directory (never held in
  memory) and counted while it is written, so a part over ``UPLOAD.MAX_BYTES`` stops the request at once;
* a text field is kept in memory and may hold at most ``MAX_FIELD_BYTES``;
* a request may have at most ``MAX_PARTS`` parts; a preamble, part header block or epilogue longer than
  ``MAX_FRAMING_BYTES`` makes it a malformed request;
* the whole body may have at most :func:`request_limit` bytes.

Werkzeug's ``parse_form_data(max_form_memory_size=...)`` is not used for this: in Werkzeug 3.1 the decoder checks
that limit as ``len(buffer) + len(chunk)`` on every 64 KiB chunk, file parts included, and keeps in its buffer
the bytes after a CR or LF that lies within a boundary's length of a chunk's end (they could start the
boundary). So a pretty-printed file made the next chunk "too large", answered as a whole-request 413.

The files are handed to :func:`tsi.data.ingest` by path. Temporary directories are
``<tempdir>/tsi-uploads/req-<pid>-<random>``: each is removed when its request ends, and :func:`register`
(run once per process at start-up) removes those left by a process that no longer runs (a killed worker).

Responses (JSON):

* 201 — the ingest result (``schedule_id``, ``name``, ``checksum``, ``blocks``, ``scheduled``, ``created``,
  ``warnings``) for a new schedule; 200 — the same for identical files that were already stored.
  An F1 schedule uploaded without a visibility file gets the warning
  "No visibility data: all B blocks are impossible.".
* 400 ``{"error": "format", "message", "problems": [{file, path, expected, got}, ...]}`` — rejected files;
  400 ``{"error": "request", "message", "problems": []}`` — no schedule part / not a multipart request /
  a malformed or truncated body.
* 413 ``{"error": "size", "message", "problems": [{file, path, expected, got}]}`` — one limit, named:
  a file over ``UPLOAD.MAX_BYTES`` (the file's name), a text field over ``MAX_FIELD_BYTES`` (the field's name),
  more than ``MAX_PARTS`` parts, or a request over 3 × ``UPLOAD.MAX_BYTES`` + 1 MiB (also
  ``server.config["MAX_CONTENT_LENGTH"]``; the message gives the request's Content-Length when it is known).
* 503 ``{"error": "database", "message", "problems"}`` — :class:`~tsi.errors.DatabaseError` (secrets masked);
  500 ``{"error": "internal", "message", "problems"}`` — anything else: the message carries an error id that
  the server log repeats with the traceback (the mapping of every API route, :func:`tsi.http_api.api_error_for`).
"""

from __future__ import annotations

import gzip
import logging
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from typing import IO

from flask import Flask, jsonify, request
from werkzeug.exceptions import ClientDisconnected, RequestEntityTooLarge
from werkzeug.sansio.multipart import Data, Epilogue, Event, Field, File, MultipartDecoder, NeedData
from werkzeug.wsgi import get_input_stream

__all__ = ["register", "request_limit", "looks_like_f1", "upload_label", "upload_root", "remove_stale_upload_dirs",
           "ENDPOINT", "FILE_FIELDS"]

log = logging.getLogger("tsi.upload")

ENDPOINT = "/api/schedules"
FILE_FIELDS = ("schedule", "visibility", "dark")
MIB = 1024 * 1024
MAX_FIELD_BYTES = 64 * 1024  # a text field (the name) is kept in memory
MAX_PARTS = 16  # the form sends four; the rest is room for clients that add a field or two
MAX_FRAMING_BYTES = 64 * 1024  # preamble or one part's headers; a browser sends a few hundred bytes
READ_CHUNK = 64 * 1024
UPLOADS_DIR = "tsi-uploads"
_REQUEST_DIR = re.compile(r"req-([1-9][0-9]{0,8})-")  # Linux pids are below 2**22


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


class _Refused(Exception):
    """Stops reading a request: the HTTP status and the JSON body that say why."""

    def __init__(self, status: int, error: str, message: str, problems: list[dict] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.body = {"error": error, "message": message, "problems": problems or []}

    def response(self):
        return _json(self.body, self.status)


def _json(body: dict, status: int):
    r = jsonify(body)
    r.status_code = status
    return r


def _over_limit(message: str, file: str, path: str, expected: str, got: str) -> _Refused:
    return _Refused(413, "size", message, [{"file": file, "path": path, "expected": expected, "got": got}])


def _file_too_large(label: str, limit: int) -> _Refused:
    # the part is refused as soon as it passes the limit, so its full size is never known
    expected, got = f"at most {limit} bytes", f"more than {limit} bytes"
    return _over_limit(f"{label}: (file): expected {expected}; got {got}", label, "(file)", expected, got)


def _field_too_long(field: str, limit: int) -> _Refused:
    expected, got = f"at most {limit} bytes", f"more than {limit} bytes"
    return _over_limit(f"The text field '{field}' is too long: expected {expected}; got {got}",
                       "(request)", field, expected, got)


def _too_many_parts(limit: int) -> _Refused:
    expected, got = f"at most {limit} parts", f"more than {limit} parts"
    return _over_limit(f"The request has too many multipart parts: expected {expected}; got {got}",
                       "(request)", "(parts)", expected, got)


def _request_too_large(limit: int, content_length: int | None) -> _Refused:
    """The whole body is over the limit; `content_length` is None for a body sent without Content-Length."""
    expected = f"at most {limit} bytes"
    got = f"{content_length} bytes" if content_length is not None else f"more than {limit} bytes"
    return _over_limit(f"(request): expected {expected} (3 files of at most {(limit - MIB) // 3} bytes and "
                       f"1 MiB of form data); got {got}", "(request)", "(request)", expected, got)


def _bad_request(message: str):
    return _json({"error": "request", "message": message, "problems": []}, 400)


# ------------------------------------------------------------------------------------------ temporary directories


def upload_root() -> str:
    """The parent of every request's temporary directory (looked up each time: it follows ``TMPDIR``)."""
    return os.path.join(tempfile.gettempdir(), UPLOADS_DIR)


def _request_dir() -> str:
    root = upload_root()
    os.makedirs(root, mode=0o700, exist_ok=True)
    # the pid in the name lets a later start-up tell a dead process's leftovers from a live one's
    return tempfile.mkdtemp(prefix=f"req-{os.getpid()}-", dir=root)


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)  # signal 0 only checks that the process exists
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, under another user
        return True
    return True


def remove_stale_upload_dirs(root: str | None = None) -> list[str]:
    """Remove the request directories of processes that no longer run (a worker killed mid-upload).

    Directories of live processes, and anything not named ``req-<pid>-…``, are left alone. Returns the removed
    paths.
    """
    if os.name == "nt":  # os.kill(pid, 0) sends CTRL_C_EVENT on Windows instead of checking
        return []
    root = root or upload_root()
    try:
        names = sorted(os.listdir(root))
    except FileNotFoundError:
        return []
    removed = []
    for name in names:
        match = _REQUEST_DIR.match(name)
        if match is None or _process_alive(int(match.group(1))):
            continue
        path = os.path.join(root, name)
        shutil.rmtree(path, ignore_errors=True)
        removed.append(path)
    return removed


def _remove_stale_at_startup() -> None:
    try:
        removed = remove_stale_upload_dirs()
    except OSError as e:  # leftovers only cost disk space; never stop the app for them
        log.warning("could not clean up %s: %s", upload_root(), e)
        return
    if removed:
        log.info("removed %d upload directories left by stopped processes", len(removed))


# ------------------------------------------------------------------------------------------ reading the form


class _FilePart:
    """A file part written to the request's directory as it arrives; refuses to grow past the per-file limit."""

    def __init__(self, field: str, filename: str | None, path: str, limit: int) -> None:
        self.field = field
        self.label = upload_label(filename, field)
        self.has_filename = bool(filename)
        self.path = path
        self.limit = limit
        self.size = 0
        self._f: IO[bytes] = open(path, "wb")  # noqa: SIM115 - closed at the part's end or by _Form.close

    def write(self, data: bytes) -> None:
        self.size += len(data)
        if self.size > self.limit:
            raise _file_too_large(self.label, self.limit)
        self._f.write(data)

    def close(self) -> None:
        self._f.close()


class _TextPart:
    """A text field, kept in memory up to MAX_FIELD_BYTES."""

    def __init__(self, field: str) -> None:
        self.field = field
        self._data = bytearray()

    def write(self, data: bytes) -> None:
        if len(self._data) + len(data) > MAX_FIELD_BYTES:
            raise _field_too_long(self.field, MAX_FIELD_BYTES)
        self._data += data

    def close(self) -> None:
        pass

    @property
    def value(self) -> str:
        return self._data.decode("utf-8", "replace")


class _Form:
    """The parts of one request as the decoder reports them: text fields and file parts, each by field name.

    A field sent twice keeps its first value.
    """

    def __init__(self, directory: str, max_file_bytes: int) -> None:
        self.directory = directory
        self.max_file_bytes = max_file_bytes
        self.fields: dict[str, str] = {}
        self.files: dict[str, _FilePart] = {}
        self.parts = 0
        self._current: _FilePart | _TextPart | None = None
        self._opened: list[_FilePart] = []

    def add(self, event: Event) -> None:
        if isinstance(event, (Field, File)):
            self._start(event)
        elif isinstance(event, Data) and self._current is not None:  # (a preamble is ignored)
            self._current.write(event.data)
            if not event.more_data:
                self._finish()

    def _start(self, event: Field | File) -> None:
        self.parts += 1
        if self.parts > MAX_PARTS:
            raise _too_many_parts(MAX_PARTS)
        field = event.name or ""
        if isinstance(event, File):
            path = os.path.join(self.directory, f"part-{self.parts}")
            self._current = _FilePart(field, event.filename, path, self.max_file_bytes)
            self._opened.append(self._current)
        else:
            self._current = _TextPart(field)

    def _finish(self) -> None:
        part, self._current = self._current, None
        part.close()
        if isinstance(part, _TextPart):
            self.fields.setdefault(part.field, part.value)
        elif part.size or part.has_filename:  # an empty <input type=file> sends an empty, nameless part
            self.files.setdefault(part.field, part)

    def close(self) -> None:
        for part in self._opened:
            part.close()


def _chunks(stream: IO[bytes], limit: int) -> Iterator[bytes | None]:
    """The body in chunks, then None (the decoder's end-of-input marker)."""
    while True:
        try:
            chunk = stream.read(READ_CHUNK)
        except RequestEntityTooLarge:  # a body without Content-Length that went past the limit
            raise _request_too_large(limit, None) from None
        except ClientDisconnected:
            raise _Refused(400, "request", "The request body ended early (the client disconnected).") from None
        if not chunk:
            break
        yield chunk
    yield None


def _read_form(stream: IO[bytes], boundary: bytes, limit: int, form: _Form) -> None:
    """Decode the whole body into `form`. Raises _Refused at a limit and ValueError for a malformed body."""
    # No limits for the decoder: Werkzeug's max_form_memory_size is checked against the decoder's buffer while a
    # file part streams as well, which refuses files that merely contain line breaks. _Form applies the limits.
    decoder = MultipartDecoder(boundary)
    for chunk in _chunks(stream, limit):
        decoder.receive_data(chunk)
        event = decoder.next_event()
        while not isinstance(event, (NeedData, Epilogue)):
            form.add(event)
            event = decoder.next_event()
        # while part data streams, the decoder keeps at most a possible boundary; anything more is framing
        # (preamble, part headers, epilogue) that has not ended yet
        if len(decoder.buffer) > MAX_FRAMING_BYTES:
            raise ValueError(f"more than {MAX_FRAMING_BYTES} bytes of preamble, part headers or epilogue")


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
    from tsi.errors import ScheduleFormatError
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
    except Exception as e:  # noqa: BLE001 - mapped as every API route maps it: 503 database, 500 with an error id
        from tsi.http_api import api_error_for, error_response

        log.warning("upload of %s failed", sched_label)
        return error_response(api_error_for(e))

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
    from tsi import auth
    from tsi.http_api import api_error_for, error_response

    try:  # before a byte of the body is read (the facade checks again)
        auth.require_role("editor", "upload schedules")
    except auth.AccessDeniedError as e:
        return error_response(api_error_for(e))
    max_bytes = _max_bytes()
    limit = request_limit(max_bytes)
    if request.content_length is not None and request.content_length > limit:
        return _request_too_large(limit, request.content_length).response()
    boundary = request.mimetype_params.get("boundary", "")
    if request.mimetype != "multipart/form-data" or not boundary:
        return _bad_request("Expected a multipart/form-data request with a 'schedule' file.")

    directory = _request_dir()
    form = _Form(directory, max_bytes)
    try:
        try:
            stream = get_input_stream(request.environ, max_content_length=limit)
            _read_form(stream, boundary.encode("ascii"), limit, form)
        except _Refused as e:
            return e.response()
        except ValueError as e:  # the decoder's (and a non-ASCII boundary's) word for a malformed body
            return _bad_request(f"Malformed multipart request: {e}")

        files = {field: (part.path, part.label) for field, part in form.files.items() if field in FILE_FIELDS}
        if "schedule" not in files:
            return _bad_request("No schedule file: the multipart field 'schedule' is required.")
        name = (form.fields.get("name") or "").strip() or None
        return _ingest_response(files, name)
    finally:
        form.close()
        shutil.rmtree(directory, ignore_errors=True)


def register(server: Flask) -> None:
    """Add the upload endpoint and the request size limit to the Flask server; remove stale upload directories.

    Runs once per process at start-up: a worker killed mid-upload leaves its directory behind, and the next
    start-up (of any process) removes it.
    """
    server.config["MAX_CONTENT_LENGTH"] = request_limit(_max_bytes())
    server.add_url_rule(ENDPOINT, "tsi_upload_schedule", _upload, methods=["POST"])
    _remove_stale_at_startup()

    @server.errorhandler(RequestEntityTooLarge)
    def _request_too_large_answer(exc):
        if request.path.startswith("/api/"):
            return _request_too_large(request_limit(_max_bytes()), request.content_length).response()
        return exc
