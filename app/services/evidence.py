"""证明材料: uploads checked by content, stored outside the web root under
random names with their SHA-256."""
from __future__ import annotations

import filetype
from flask import abort, current_app
from flask_babel import gettext
from sqlalchemy import select

from ..extensions import db
from ..models import Claim, Evidence
from . import files
from .errors import BusinessError

# content type -> what the bytes must start with (checked again after filetype)
ALLOWED = {
    "application/pdf": b"%PDF-",
    "image/jpeg": b"\xff\xd8\xff",
    "image/png": b"\x89PNG\r\n\x1a\n",
}


def check_name(name: str | None) -> str:
    name = (name or "").strip()
    if not name:
        raise BusinessError(gettext("The file has no name."), field="file")
    if "/" in name or "\\" in name or name.startswith(".") or ".." in name or "\x00" in name:
        raise BusinessError(gettext("The file name must not look like a path."), field="file")
    if len(name) > 200:
        raise BusinessError(gettext("The file name is too long."), field="file")
    return name


def sniff(data: bytes) -> str:
    """The content type judged from the bytes, or a refusal."""
    if not data:
        raise BusinessError(gettext("The file is empty."), field="file")
    limit = current_app.config["XUESHI_MAX_UPLOAD_BYTES"]
    if len(data) > limit:
        raise BusinessError(
            gettext("The file is larger than %(mb)d MB.", mb=limit // (1024 * 1024)), field="file"
        )
    guess = filetype.guess_mime(data)
    if guess not in ALLOWED or not data.startswith(ALLOWED[guess]):
        raise BusinessError(gettext("Only PDF, JPEG and PNG files are accepted."), field="file")
    return guess


def read_upload(file_storage) -> tuple[str, bytes]:
    """The checked name and bytes of a werkzeug FileStorage (reads at most limit + 1)."""
    if file_storage is None:
        raise BusinessError(gettext("Choose a file to upload."), field="file")
    name = check_name(file_storage.filename)
    data = file_storage.stream.read(current_app.config["XUESHI_MAX_UPLOAD_BYTES"] + 1)
    return name, data


def read_uploads(file_storages) -> list[tuple[str, bytes]]:
    """read_upload() for every file chosen in a multi-file field (empty slots skipped)."""
    return [read_upload(f) for f in file_storages if f and f.filename]


def check_all(files: list[tuple[str, bytes]]) -> list[str]:
    """Check every file's name and content before any is stored; their content types."""
    for name, _data in files:
        check_name(name)
    return [sniff(data) for _name, data in files]


def store_all(uploads: list[tuple[str, bytes]], user_id: int | None, **owner) -> list[Evidence]:
    """Write each file under a random name (mode 0600) and add its row, with `owner`
    (claim=…, class_id=…, purpose=…), to the session; all are checked before any is
    written. The caller commits through commit_or_discard()."""
    rows = []
    for (name, data), content_type in zip(uploads, check_all(uploads)):
        stored = files.write("evidence", data)
        rows.append(Evidence(
            stored_name=stored.name, original_name=name, content_type=content_type,
            size=stored.size, sha256=stored.sha256, uploaded_by=user_id, **owner,
        ))
    db.session.add_all(rows)
    return rows


def attach(uploads: list[tuple[str, bytes]], user_id: int | None, **owner) -> list[Evidence]:
    """One upload step: every file stored on its owner and committed, or none."""
    if not uploads:
        raise BusinessError(gettext("Choose a file to upload."), field="file")
    rows = store_all(uploads, user_id, **owner)
    commit_or_discard(rows)
    return rows


def commit_or_discard(rows) -> None:
    """Commit the transaction that added `rows`; if it fails, their files go too."""
    try:
        db.session.commit()
    except Exception:
        db.session.rollback()
        discard_files(rows)
        raise


def discard_files(evidence_rows) -> None:
    """Remove files whose rows were rolled back."""
    for evidence in evidence_rows:
        files.remove("evidence", evidence.stored_name)


def file_response(evidence_id: int, **owner):
    """The stored file of an evidence row attached to `owner` (claim_id=…,
    class_id=… or evaluation_id=…), or 404. The caller checked the owner's scope."""
    row = db.session.get(Evidence, evidence_id)
    if row is None or any(getattr(row, key) != value for key, value in owner.items()):
        abort(404)
    return files.send("evidence", row.stored_name, mimetype=row.content_type,
                      download_name=row.original_name)


def used_by_others(evidence: Evidence) -> list[Claim]:
    """Other people's claims that carry the same file (same SHA-256)."""
    claim = evidence.claim
    same_file = select(Evidence.claim_id).where(
        Evidence.sha256 == evidence.sha256, Evidence.id != evidence.id)
    return db.session.execute(
        select(Claim).where(Claim.id.in_(same_file), Claim.person_id != claim.person_id)
        .order_by(Claim.id)
    ).scalars().all()
