"""Where the audit chain is pinned outside the database.

Anchors (`flask xueshi audit-anchor`, on a schedule): the chain head's number
and MAC with a timestamp, signed with the audit key, one new file each time in
`XUESHI_AUDIT_ANCHOR_DIR` (point it at WORM storage). `verify()` checks the
chain against the latest anchor: a log that ends before it, or differs at it,
was cut or rewritten.

Archives (`flask xueshi audit-archive`): entries older than
`XUESHI_AUDIT_RETENTION_DAYS` (180) move, as a contiguous prefix of the chain, to
a gzip JSON-lines file with a signed manifest in `XUESHI_AUDIT_ARCHIVE_DIR`; the
database chain then starts where the last archive ends.
"""
from __future__ import annotations

import gzip
import hashlib
import json
import os
from datetime import datetime, timedelta, timezone
from pathlib import Path

from flask import current_app
from flask_babel import gettext
from sqlalchemy import delete, func, select

from ..models.audit import GENESIS_HASH, AuditEntry, AuditHead
from . import audit_key


class StoreError(Exception):
    pass


def _dir(name: str, default: str) -> Path:
    from config import instance_dir

    path = Path(current_app.config.get(name) or instance_dir() / default)
    path.mkdir(parents=True, exist_ok=True)
    return path


def anchor_dir() -> Path:
    return _dir("XUESHI_AUDIT_ANCHOR_DIR", "audit-anchors")


def archive_dir() -> Path:
    return _dir("XUESHI_AUDIT_ARCHIVE_DIR", "audit-archive")


def _canonical(data: dict) -> bytes:
    return json.dumps({k: v for k, v in data.items() if k != "sig"}, sort_keys=True,
                      ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _write_once(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o444)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())


# ---- anchors -----------------------------------------------------------------

def write_anchor(session) -> dict:
    head = session.execute(select(AuditHead.seq, AuditHead.hash).where(AuditHead.id == 1)).first()
    seq, mac = (head.seq, head.hash) if head else (0, GENESIS_HASH)
    at = datetime.now(timezone.utc)
    anchor = {"seq": seq, "hash": mac, "at": at.isoformat(timespec="microseconds"),
              "alg": audit_key.algorithm()}
    anchor["sig"] = audit_key.mac(_canonical(anchor), "anchor")
    name = f"anchor-{at:%Y%m%dT%H%M%S%f}Z-{seq:012d}.json"
    _write_once(anchor_dir() / name, json.dumps(anchor, ensure_ascii=False).encode("utf-8"))
    return anchor


def _signed_files(folder, purpose: str, not_genuine):
    """(path, data) of every `<purpose>-*.json` in `folder`, in name order; a
    StoreError (`not_genuine(file name)`) at the first whose signature fails."""
    for path in sorted(folder.glob(f"{purpose}-*.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            genuine = audit_key.same(data.get("sig"), audit_key.mac(_canonical(data), purpose))
        except (ValueError, OSError):
            genuine = False
        if not genuine:
            raise StoreError(not_genuine(path.name))
        yield path, data


def latest_anchor():
    """The signed anchor with the highest sequence number; None before the first;
    raises a StoreError when an anchor file is not genuine."""
    best = None
    for path, data in _signed_files(anchor_dir(), "anchor", lambda name: gettext(
            "The audit anchor %(name)s is not genuine.", name=name)):
        if best is None or (data["seq"], data["at"]) > (best["seq"], best["at"]):
            best = data
    return best


# ---- archives ----------------------------------------------------------------

def _row_text(row) -> dict:
    data = dict(row)
    data.pop("id", None)
    at = data["at"]
    if at.tzinfo is not None:
        at = at.astimezone(timezone.utc).replace(tzinfo=None)
    data["at"] = at.isoformat(timespec="microseconds")
    return data


def _manifests() -> list[dict]:
    found = [data for _path, data in _signed_files(archive_dir(), "archive", lambda name: gettext(
        "The audit archive %(name)s is not genuine.", name=name))]
    return sorted(found, key=lambda m: m["first_seq"])


def _check_archive_file(manifest: dict, prev: str) -> str:
    from .audit import entry_verifies

    path = archive_dir() / manifest["file"]
    try:
        raw = path.read_bytes()
    except OSError:
        raise StoreError(gettext("The audit archive %(name)s is missing.", name=manifest["file"]))
    if hashlib.sha256(raw).hexdigest() != manifest["sha256"]:
        raise StoreError(gettext("The audit archive %(name)s was altered.", name=manifest["file"]))
    expected = manifest["first_seq"]
    for line in gzip.decompress(raw).decode("utf-8").splitlines():
        row = json.loads(line)
        row["at"] = datetime.fromisoformat(row["at"])
        if row["seq"] != expected or row["prev_hash"] != prev or not entry_verifies(row):
            raise StoreError(gettext("Archived audit entry #%(seq)d does not verify.", seq=row["seq"]))
        prev, expected = row["hash"], expected + 1
    if expected - 1 != manifest["last_seq"] or prev != manifest["last_hash"]:
        raise StoreError(gettext("The audit archive %(name)s is incomplete.", name=manifest["file"]))
    return prev


def chain_start(*, check_files: bool = False) -> tuple[int, str, int]:
    """(first sequence number expected in the database, the MAC before it,
    entries checked in archive files)."""
    seq, prev, checked = 1, GENESIS_HASH, 0
    for manifest in _manifests():
        if manifest["first_seq"] != seq or manifest["first_prev"] != prev:
            raise StoreError(gettext("The audit archives do not join up before #%(seq)d.",
                                     seq=manifest["first_seq"]))
        if check_files:
            _check_archive_file(manifest, prev)
            checked += manifest["count"]
        seq, prev = manifest["last_seq"] + 1, manifest["last_hash"]
    return seq, prev, checked


def archive(session, *, days: int | None = None) -> int:
    """Move entries older than the retention period to a signed archive file.
    Only a contiguous, verified prefix of the chain moves. Returns how many."""
    from .audit import verify

    days = days if days is not None else int(current_app.config["XUESHI_AUDIT_RETENTION_DAYS"])
    if days < 180 and not current_app.config.get("TESTING"):
        raise StoreError(gettext("Audit entries are kept at least 180 days."))
    result = verify(session)
    if not result.ok:
        raise StoreError(result.problem)
    start, prev, _ = chain_start()
    cutoff = datetime.now(timezone.utc) - timedelta(days=days)
    table = AuditEntry.__table__
    newer = session.execute(select(func.min(table.c.seq)).where(table.c.at >= cutoff)).scalar()
    stmt = select(table).where(table.c.seq >= start).order_by(table.c.seq)
    if newer is not None:
        stmt = stmt.where(table.c.seq < newer)
    rows = [_row_text(r) for r in session.execute(stmt).mappings()]
    if not rows:
        return 0
    first, last = rows[0]["seq"], rows[-1]["seq"]
    body = gzip.compress("\n".join(json.dumps(r, ensure_ascii=False, sort_keys=True)
                                   for r in rows).encode("utf-8"))
    name = f"archive-{first:012d}-{last:012d}"
    _write_once(archive_dir() / f"{name}.jsonl.gz", body)
    manifest = {"file": f"{name}.jsonl.gz", "first_seq": first, "last_seq": last,
                "first_prev": prev, "last_hash": rows[-1]["hash"], "count": len(rows),
                "sha256": hashlib.sha256(body).hexdigest(), "alg": audit_key.algorithm(),
                "at": datetime.now(timezone.utc).isoformat(timespec="seconds")}
    manifest["sig"] = audit_key.mac(_canonical(manifest), "archive")
    _write_once(archive_dir() / f"{name}.json", json.dumps(manifest, ensure_ascii=False).encode("utf-8"))
    session.execute(delete(table).where(table.c.seq >= first, table.c.seq <= last))
    return len(rows)
