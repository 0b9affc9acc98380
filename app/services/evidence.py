"""证明材料: uploads checked by content, stored outside the web root under
random names with their SHA-256, on the row that owns them."""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePosixPath

import filetype
from flask import abort, current_app
from flask_babel import gettext
from sqlalchemy import select

from ..extensions import db
from ..models import Claim, Evidence
from ..security import scope as scopes
from ..security.keyed import digest
from . import files
from .errors import BusinessError

# content type -> what the bytes must start with (checked again after filetype)
ALLOWED = {
    "application/pdf": b"%PDF-",
    "image/jpeg": b"\xff\xd8\xff",
    "image/png": b"\x89PNG\r\n\x1a\n",
}


# content type -> the extensions a file of that type may carry; the first names it when served
EXTENSIONS = {
    "application/pdf": (".pdf",),
    "image/jpeg": (".jpg", ".jpeg"),
    "image/png": (".png",),
}
# Markup or script inside a PDF or an image (a polyglot a browser could run).
# Long words only, so random compressed bytes never match by chance.
ACTIVE_CONTENT = re.compile(
    rb"<\s*(?:script|html|iframe|!doctype)|javascript:|/JavaScript|/Launch", re.IGNORECASE)


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
    if ACTIVE_CONTENT.search(data):
        raise BusinessError(gettext(
            "The file also contains web page or script code; upload a plain PDF, JPEG or PNG."),
            field="file")
    return guess


def check_extension(name: str, content_type: str) -> None:
    """The name's extension, if it has one, must be that of the detected type."""
    suffix = PurePosixPath(name).suffix.lower()
    if suffix and suffix not in EXTENSIONS[content_type]:
        raise BusinessError(gettext(
            "The file name ends in %(ext)s but the file is a %(kind)s; rename it and upload again.",
            ext=suffix, kind=EXTENSIONS[content_type][0][1:].upper()), field="file")


def served_name(name: str, content_type: str) -> str:
    """The download name: the uploaded name's stem with the detected type's extension."""
    stem = PurePosixPath(name).stem or "file"
    return stem + EXTENSIONS.get(content_type, ("",))[0]


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
    kinds = [sniff(data) for _name, data in files]
    for (name, _data), kind in zip(files, kinds):
        check_extension(name, kind)
    return kinds


def attach(uploads: list[tuple[str, bytes]], user_id: int | None, owner,
           purpose: str | None = None) -> list[Evidence]:
    """Store every file on `owner` within the step running now: all are checked
    before any is written, and if the step rolls back its files go too."""
    if not uploads:
        raise BusinessError(gettext("Choose a file to upload."), field="file")
    return store_all(uploads, user_id, owner, purpose)


def store_all(uploads: list[tuple[str, bytes]], user_id: int | None, owner,
              purpose: str | None = None) -> list[Evidence]:
    """attach() that accepts no files at all (optional uploads on a create form)."""
    rows = []
    for (name, data), content_type in zip(uploads, check_all(uploads)):
        stored = files.write_pending("evidence", data)
        rows.append(Evidence(
            owner_type=owner.__tablename__, owner_id=owner.id, purpose=purpose,
            stored_name=stored.name, original_name=served_name(name, content_type),
            content_type=content_type, size=stored.size, digest=file_digest(stored.sha256),
            uploaded_by=user_id,
        ))
    db.session.add_all(rows)
    return rows


def of(owner, purpose: str | None = None) -> list[Evidence]:
    return db.session.execute(Evidence.owned_by(owner, purpose)).scalars().all()


def has(owner, purpose: str | None = None) -> bool:
    return db.session.execute(Evidence.owned_by(owner, purpose).limit(1)).first() is not None


# Served for preview: the browser shows it, runs nothing in it, guesses no other type.
PREVIEW_CSP = ("sandbox; default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; "
               "frame-ancestors 'self'")


def file_digest(sha256: str) -> str:
    """The keyed digest that finds the same file on other records (never the
    plain SHA-256, which anyone holding a copy could confirm)."""
    return digest("evidence", sha256)


def file_response(evidence_id: int, owner, *, inline: bool = False):
    """The stored file of an evidence row of `owner`, or 404. The caller loaded
    the owner through the scope. `inline`: for the preview on the page, with a
    sandboxing CSP (every stored type is a PDF or an image, checked by content)."""
    row = db.session.get(Evidence, evidence_id)
    if row is None or not row.belongs_to(owner):
        abort(404)
    response = files.send("evidence", row.stored_name, mimetype=row.content_type,
                          download_name=served_name(row.original_name, row.content_type),
                          inline=inline)
    if inline:
        response.headers["Content-Security-Policy"] = PREVIEW_CSP
    return response


@dataclass(frozen=True)
class Reuse:
    """Where else a claim's file is used: the claims the viewer may see, and
    how many more outside the viewer's scope (counted, never named)."""

    named: list
    elsewhere: int

    def __bool__(self) -> bool:
        return bool(self.named) or self.elsewhere > 0


def reuse(evidence: Evidence, claim: Claim, scope) -> Reuse:
    """Other people's claims carrying the same file (same keyed digest), for a
    reviewer. Anyone else learns nothing of others' claims."""
    if not scope.may("review", "ClaimView") or not evidence.digest:
        return Reuse([], 0)
    others = (select(Claim.id).where(Claim.person_id != claim.person_id, Claim.id.in_(
        select(Evidence.owner_id).where(Evidence.owner_type == Claim.__tablename__,
                                        Evidence.digest == evidence.digest,
                                        Evidence.id != evidence.id))))
    ids = set(db.session.execute(others).scalars())
    named = db.session.execute(scopes.scoped(Claim, scope).where(Claim.id.in_(ids))
                               .order_by(Claim.id)).scalars().all() if ids else []
    return Reuse(named, len(ids) - len(named))
