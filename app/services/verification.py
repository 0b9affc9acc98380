"""What the public verify page checks, for a verifier with nothing but the document:

    check_upload(name, data)   a PDF: is it the very file issued (its SHA-256 is a
                               stored certificate's), and how its PAdES signature
                               stands (pyHanko); a credential (VC-JOSE): is the
                               issuer's Ed25519 signature good (joserfc) and does it
                               name a certificate on record with the same number
    lookup(number, name)       by the printed identifier and the holder's full name
                               (the alternative to the QR code)

Each answers a `Verdict`: whether the document is the issued one, the
signature's state, and the certificate as the public page shows it (masked,
with its status), or None. The lookup answers the same for an unknown
identifier and a wrong name, so it tells nothing to someone guessing either.
Nothing here writes; the uploads are bounded before anything parses them."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext, lazy_gettext as _l
from sqlalchemy import select

from ..extensions import db
from ..models import Certificate, YearCertificate
from ..pdf import sign
from . import certificates, credentials, identifiers
from .errors import BusinessError

CREDENTIAL_OK, CREDENTIAL_BAD = "credential_valid", "credential_invalid"
SIGNATURE_TEXT = {
    sign.SIGNED: _l("The association's signature covers the whole file."),
    sign.MODIFIED: _l("The file was changed after it was signed."),
    sign.FOREIGN: _l("The file is signed, but not by the association."),
    sign.UNSIGNED: _l("The file carries no signature."),
    sign.UNREADABLE: _l("The file cannot be read as a PDF."),
    CREDENTIAL_OK: _l("The credential's signature is the association's (Ed25519)."),
    CREDENTIAL_BAD: _l("The credential's signature does not verify with the association's key."),
}
MAX_NAME = 50
MAX_NUMBER = 60


@dataclass
class Verdict:
    kind: str                 # "pdf", "credential" or "lookup"
    issued: bool              # the issued document itself (or, for a lookup, found)
    signature: str | None     # a key of SIGNATURE_TEXT
    certificate: dict | None  # certificates.public_view() of the certificate on record

    def as_json(self) -> dict:
        return {
            "kind": self.kind, "issued": self.issued, "signature": self.signature,
            "signature_text": str(SIGNATURE_TEXT[self.signature]) if self.signature else None,
            "certificate": None if self.certificate is None else {
                k: (v.isoformat() if hasattr(v, "isoformat") else v if isinstance(
                    v, (bool, int, float, type(None))) else str(v))
                for k, v in self.certificate.items()},
        }


def read_bounded(file_storage) -> tuple[str, bytes]:
    """The name and bytes of the uploaded document, refused (before anything parses
    it) when missing or over XUESHI_VERIFY_MAX_BYTES."""
    if file_storage is None or not getattr(file_storage, "filename", None):
        raise BusinessError(gettext("Choose the PDF or the credential file to check."), field="file")
    limit = current_app.config["XUESHI_VERIFY_MAX_BYTES"]
    data = file_storage.stream.read(limit + 1)
    if len(data) > limit:
        raise BusinessError(gettext("The file is larger than %(kb)d KB: no certificate is that large.",
                                    kb=limit // 1024), field="file")
    if not data:
        raise BusinessError(gettext("The file is empty."), field="file")
    return file_storage.filename, data


def check_upload(data: bytes) -> Verdict:
    """A PDF or a credential, told apart by content (not by name)."""
    if data.lstrip()[:5] == b"%PDF-":
        return check_pdf(data)
    try:
        text = data.decode("ascii").strip()
    except UnicodeDecodeError:
        return Verdict("pdf", False, sign.UNREADABLE, None)
    return check_credential(text)


def _by_digest(digest: str) -> Certificate | YearCertificate | None:
    for model in (Certificate, YearCertificate):
        found = db.session.execute(
            select(model).where(model.sha256 == digest).limit(1)).scalar_one_or_none()
        if found is not None:
            return found
    return None


def check_pdf(data: bytes) -> Verdict:
    """The issued PDF is the stored one to the byte: its digest finds it. Anything
    else (one edited character, a page added, re-saved) is not the issued original,
    whatever its signature says; the signature tells how it differs."""
    signature = sign.check(data)
    found = _by_digest(hashlib.sha256(data).hexdigest())
    if found is None:
        return Verdict("pdf", False, signature, None)
    return Verdict("pdf", signature == sign.SIGNED, signature, certificates.public_view(found.token))


def check_credential(text: str) -> Verdict:
    """A VC-JOSE credential: the issuer's signature, then the certificate its `id`
    (the verify URL) names, with the same identifier."""
    if len(text) > current_app.config["XUESHI_VERIFY_MAX_BYTES"]:
        raise BusinessError(gettext("The credential is too long."), field="credential")
    doc = credentials.verify(text)
    if doc is None:
        return Verdict("credential", False, CREDENTIAL_BAD, None)
    url = str(doc.get("id") or "")
    prefix = certificates.verify_url("")
    view = certificates.public_view(url[len(prefix):]) if url.startswith(prefix) else None
    numbers = [str(i.get("identifier")) for i in doc.get("identifier") or [] if isinstance(i, dict)]
    if view is None or view["number"] not in numbers:
        return Verdict("credential", False, CREDENTIAL_OK, None)
    return Verdict("credential", True, CREDENTIAL_OK, view)


def lookup(number: str | None, name: str | None) -> Verdict:
    """The certificate with this identifier whose holder has exactly this name.
    A malformed identifier (its check character catches typing errors) is a
    clear refusal; an unknown one and a wrong name answer alike."""
    number, name = (number or "").strip(), "".join((name or "").split())
    if not number:
        raise BusinessError(gettext("Enter the certificate number."), field="number")
    if not name:
        raise BusinessError(gettext("Enter the holder's full name."), field="name")
    ident = identifiers.parse(number[:MAX_NUMBER])
    if ident is None or len(number) > MAX_NUMBER:
        raise BusinessError(gettext(
            "This is not a certificate number: check the characters (the last one is a "
            "check character)."), field="number")
    found = None
    for model in (Certificate, YearCertificate):
        found = db.session.execute(
            select(model).where(model.number == str(ident))).scalar_one_or_none()
        if found is not None:
            break
    if found is None or len(name) > MAX_NAME or found.person.name != name:
        return Verdict("lookup", False, None, None)
    return Verdict("lookup", True, None, certificates.public_view(found.token))
