"""Private files: the one writer for evidence, certificates, exports, reports and job results.

Every file lives under `XUESHI_UPLOAD_DIR/<area>/`, outside the web root, under a
random name, mode 0600, and every write returns its name, size and SHA-256. A
write either completes or leaves no file behind.

A file written for a row that a later commit records may be named in a journal
first (`write(..., journal=key)`, kept in `<area>/.journal/<key>`): when the
process dies before that commit, the file has no row; whoever takes the work
over calls `discard_journals`, which removes the journal's files that no row
names. `close_journal` after the commit."""
from __future__ import annotations

import hashlib
import os
import secrets
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Iterator

from flask import abort, current_app, send_file

AREAS = ("evidence", "certificates", "exports", "reports", "jobs")
NAME_LENGTH = 40  # secrets.token_hex(20)


@dataclass(frozen=True)
class StoredFile:
    name: str
    size: int
    sha256: str


def root() -> Path:
    return Path(current_app.config["XUESHI_UPLOAD_DIR"])


def _well_formed(name: str) -> bool:
    return len(name) == NAME_LENGTH and all(c in "0123456789abcdef" for c in name)


def _check(area: str, name: str | None = None) -> None:
    if area not in AREAS:
        raise ValueError(f"unknown file area {area!r}")
    if name is not None and not _well_formed(name):
        raise FileNotFoundError(name)


def path(area: str, name: str) -> Path:
    """Where the file `name` of `area` is (FileNotFoundError for a malformed name)."""
    _check(area, name)
    return root() / area / name[:2] / name


class Writer:
    """A new private file, written in pieces: `with files.Writer("exports") as out:
    out.write(b"...")`; then `out.stored`. An exception inside removes the file.
    With `journal`, the name is written to that journal before the file exists."""

    def __init__(self, area: str, journal: str | None = None):
        _check(area)
        self.name = secrets.token_hex(NAME_LENGTH // 2)
        self.path = path(area, self.name)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if journal is not None:
            _journal_path(area, journal).parent.mkdir(exist_ok=True)
            with open(_journal_path(area, journal), "a") as names:
                names.write(self.name + "\n")
        self._digest = hashlib.sha256()
        self._size = 0
        self._handle = None
        self.stored: StoredFile | None = None

    def __enter__(self) -> "Writer":
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        self._handle = os.fdopen(fd, "wb")
        return self

    def write(self, data: bytes) -> int:
        self._digest.update(data)
        self._size += len(data)
        return self._handle.write(data)

    def __exit__(self, kind, exc, tb) -> None:
        self._handle.close()
        if kind is not None:
            self.path.unlink(missing_ok=True)
            return
        self.stored = StoredFile(self.name, self._size, self._digest.hexdigest())


def write(area: str, data: bytes, journal: str | None = None) -> StoredFile:
    """Store `data` as a new private file of `area` (named in `journal` first)."""
    with Writer(area, journal) as out:
        out.write(data)
    return out.stored


def copy(area: str, name: str, to_area: str, journal: str | None = None,
         piece: int = 1 << 20) -> StoredFile:
    """A new private file of `to_area` with the content of `name` of `area`, copied
    a piece at a time (a file of any size in constant memory); named in `journal` first."""
    with open(path(area, name), "rb") as source, Writer(to_area, journal) as out:
        while data := source.read(piece):
            out.write(data)
    return out.stored


_JOURNALS = ".journal"


def _journal_path(area: str, key: str) -> Path:
    if not key or not all(c.isalnum() or c in "-_" for c in key):
        raise ValueError(f"bad journal key {key!r}")
    return root() / area / _JOURNALS / key


def close_journal(area: str, key: str | None) -> None:
    """The commit recording the journal's files is done: forget their names."""
    if key:
        _journal_path(area, key).unlink(missing_ok=True)


def discard_journals(area: str, keys: Callable[[str], bool],
                     named: Callable[[list[str]], Iterable[str]]) -> int:
    """For each journal of `area` whose key passes `keys` (work whose writer is gone):
    remove its files that no row names (`named(names)` gives those a row names),
    then the journal. How many files went."""
    folder = root() / area / _JOURNALS
    removed = 0
    for journal in sorted(folder.iterdir()) if folder.is_dir() else ():
        if not keys(journal.name):
            continue
        names = [n for n in journal.read_text().split() if _well_formed(n)]
        kept = set(named(names)) if names else set()
        for name in names:
            if name not in kept and path(area, name).exists():
                remove(area, name)
                removed += 1
        journal.unlink(missing_ok=True)
    return removed


@contextmanager
def pending_writer(area: str) -> Iterator[Writer]:
    """A Writer for a file whose row belongs to the step running now: if the
    step's transaction rolls back, the file goes too (see workflow.transaction)."""
    with Writer(area) as out:
        yield out
    _pending().append((area, out.stored.name))


def write_pending(area: str, data: bytes) -> StoredFile:
    """write(), for a file whose row belongs to the step running now."""
    with pending_writer(area) as out:
        out.write(data)
    return out.stored


def _pending() -> list:
    from ..extensions import db

    return db.session.info.setdefault("xueshi_pending_files", [])


def forget_pending() -> None:
    """The transaction committed: its files stay."""
    _pending().clear()


def discard_pending() -> None:
    """The transaction rolled back: remove the files it wrote."""
    pending = _pending()
    for area, name in pending:
        remove(area, name)
    pending.clear()


def read(area: str, name: str) -> bytes:
    return path(area, name).read_bytes()


def remove(area: str, name: str | None) -> None:
    """Delete a stored file (a file already gone is fine)."""
    if name:
        try:
            path(area, name).unlink(missing_ok=True)
        except FileNotFoundError:
            pass


def send(area: str, name: str | None, *, mimetype: str, download_name: str,
         inline: bool = False):
    """The stored file as a response, or 404 when it is missing. The caller
    has already checked that the viewer may have it."""
    try:
        target = path(area, name or "")
    except FileNotFoundError:
        abort(404)
    if not target.exists():
        abort(404)
    response = send_file(target, mimetype=mimetype, download_name=download_name,
                         as_attachment=not inline)
    # the declared type is the detected one: no browser may sniff it into a page
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
