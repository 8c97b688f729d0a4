"""T-SQL scripts: batch splitting at ``GO`` lines and the numbered migration files (data-model.md §7).

``GO`` is not T-SQL: it is the batch separator of sqlcmd and SSMS, so a script sent through ODBC has to be cut
into batches by the client. :func:`split_batches` follows sqlcmd's rule: a line holding only ``GO`` (any case,
surrounding blanks allowed), optionally followed by a repeat count and/or a ``--`` comment, ends a batch —
unless that line lies inside a block comment (``/* */``, which nest in T-SQL), a string literal (``'...'``
with ``''`` escapes, also ``N'...'``) or a quoted identifier (``"..."``, ``[...]``) that spans lines.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Migration", "MIGRATIONS_DIR", "split_batches", "migrations", "load_migrations"]

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

_GO_RE = re.compile(r"^[ \t]*go(?:[ \t]+(\d+))?[ \t]*(?:--.*)?$", re.IGNORECASE)
_FILE_RE = re.compile(r"^(\d{4})_([A-Za-z0-9_]+)\.sql$")


@dataclass(frozen=True)
class Migration:
    """One numbered script: ``version`` 1, ``name`` ``"0001_normalized"``, its text and the SHA-256 of its bytes."""

    version: int
    name: str
    sql: str
    sha256: str


class _Scanner:
    """Lexical state carried from line to line: open block comments, open string or quoted identifier."""

    def __init__(self) -> None:
        self.comment_depth = 0
        self.closer: str | None = None  # "'" , '"' or "]" while inside a literal / quoted identifier

    @property
    def at_top_level(self) -> bool:
        return self.comment_depth == 0 and self.closer is None

    def feed(self, line: str) -> bool:
        """Advance over one line; return whether it holds anything besides blanks and comments."""
        code = False
        i, n = 0, len(line)
        while i < n:
            ch = line[i]
            pair = line[i:i + 2]
            if self.comment_depth:
                if pair == "/*":
                    self.comment_depth += 1
                    i += 2
                elif pair == "*/":
                    self.comment_depth -= 1
                    i += 2
                else:
                    i += 1
                continue
            if self.closer is not None:
                code = True
                if ch == self.closer:
                    if line[i + 1:i + 2] == self.closer:  # doubled: an escaped quote / bracket
                        i += 2
                        continue
                    self.closer = None
                i += 1
                continue
            if pair == "--":
                break  # the rest of the line is a comment
            if pair == "/*":
                self.comment_depth = 1
                i += 2
                continue
            if ch in "'\"[":
                self.closer = "]" if ch == "[" else ch
                code = True
            elif not ch.isspace():
                code = True
            i += 1
        return code


def split_batches(script: str) -> list[str]:
    """Split a T-SQL script at its ``GO`` lines; return the non-empty batches in order.

    ``GO n`` repeats the batch n times (as sqlcmd does). Batches made only of blanks and comments are dropped.
    Text after the last ``GO`` is a batch of its own. The ``GO`` lines themselves are not part of any batch.
    """
    batches: list[str] = []
    current: list[str] = []
    has_code = False
    scanner = _Scanner()
    for line in script.splitlines(keepends=True):
        if scanner.at_top_level:
            m = _GO_RE.match(line.rstrip("\r\n"))
            if m:
                count = int(m.group(1)) if m.group(1) else 1
                if count < 1:
                    raise ValueError(f"invalid batch repeat count in {line.strip()!r}")
                if has_code:
                    batches.extend(["".join(current).strip("\r\n")] * count)
                current, has_code = [], False
                continue
        if scanner.feed(line):
            has_code = True
        current.append(line)
    if has_code:
        batches.append("".join(current).strip("\r\n"))
    return batches


def load_migrations(directory: str | Path) -> list[Migration]:
    """The ``NNNN_name.sql`` files of ``directory`` ordered by number (duplicate numbers are an error)."""
    found: dict[int, Migration] = {}
    for path in sorted(Path(directory).glob("*.sql")):
        m = _FILE_RE.match(path.name)
        if not m:
            continue
        version = int(m.group(1))
        raw = path.read_bytes()
        migration = Migration(version, path.stem, raw.decode("utf-8"), hashlib.sha256(raw).hexdigest())
        if version in found:
            raise ValueError(f"two migration scripts with number {version}: {found[version].name}, {path.stem}")
        found[version] = migration
    return [found[v] for v in sorted(found)]


def migrations(dialect: str = "mssql") -> list[Migration]:
    """The migration scripts of one dialect (``mssql`` or ``sqlite``), in order."""
    if dialect not in ("mssql", "sqlite"):
        raise ValueError(f"unknown migration dialect {dialect!r} (expected 'mssql' or 'sqlite')")
    return load_migrations(MIGRATIONS_DIR / dialect)
