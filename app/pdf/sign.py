"""PAdES signatures (pyHanko): every certificate PDF is signed by the association.

The signer is a PKCS#12 file (key and X.509 certificate) named by
XUESHI_SIGNER_P12, its passphrase in XUESHI_SIGNER_PASSPHRASE. Outside
production (XUESHI_ENV != "production") and with neither set, `xueshi init`
creates a self-signed demo signer in the instance folder and says so; in
production nothing is issued without a configured signer (`require`).

A verifier needs only the PDF and the association's certificate (published
at /.well-known/xueshi-signer.pem): pyHanko, poppler's `pdfsig` or any PAdES
reader checks that the bytes are the signed ones."""
from __future__ import annotations

import datetime as dt
import io
import os
import secrets
import threading
from pathlib import Path

from flask import current_app
from flask_babel import gettext

from ..services.errors import BusinessError

DEMO_P12 = "demo-signer.p12"
DEMO_PASSPHRASE = "demo-signer.passphrase"
SIGNATURE_BYTES = 8192  # reserved for the CMS container: no dry run to measure it
_signers: dict[tuple, object] = {}
_lock = threading.Lock()


def _source() -> tuple[str, bytes, bool] | None:
    """(PKCS#12 path, passphrase, is the demo signer), or None when there is none."""
    cfg = current_app.config
    if cfg.get("XUESHI_SIGNER_P12"):
        return cfg["XUESHI_SIGNER_P12"], (cfg.get("XUESHI_SIGNER_PASSPHRASE") or "").encode(), False
    if cfg.get("XUESHI_ENV") == "production":
        return None
    folder = Path(current_app.instance_path)
    if (folder / DEMO_P12).exists():
        return str(folder / DEMO_P12), (folder / DEMO_PASSPHRASE).read_bytes().strip(), True
    return None


def _pdf_signer():
    from pyhanko.sign import fields, signers

    source = _source()
    if source is None:
        raise BusinessError(gettext(
            "No signing certificate is configured (XUESHI_SIGNER_P12 and "
            "XUESHI_SIGNER_PASSPHRASE): certificates cannot be issued."), status=409)
    found = _signers.get(source)
    if found is None:
        with _lock:
            path, passphrase, _demo = source
            try:
                signer = signers.SimpleSigner.load_pkcs12(path, passphrase=passphrase)
            except (OSError, ValueError):
                signer = None
            if signer is None:
                raise BusinessError(gettext(
                    "The signing certificate (XUESHI_SIGNER_P12) cannot be opened with its "
                    "passphrase: certificates cannot be issued."), status=409)
            signer.signed_attr_prov_spec = _signed_attributes(signer.signing_cert)
            meta = signers.PdfSignatureMetadata(
                field_name="XueshiSignature", subfilter=fields.SigSeedSubFilter.PADES,
                md_algorithm="sha256", reason="青岛市继续教育协会电子证书", location="青岛")
            found = _signers[source] = signers.PdfSigner(meta, signer=signer)
    return found


def _signed_attributes(cert):
    """The signed attributes pyHanko adds to PAdES B-B besides content type and
    message digest: only signing-certificate-v2 (no signing time, as PAdES wants),
    the same for every signature, so it is encoded once and parsed back lazily:
    rebuilding it from native values was most of each signature's time."""
    from asn1crypto import cms
    from pyhanko.sign.attributes import CMSAttributeProvider
    from pyhanko.sign.general import as_signing_certificate_v2, simple_cms_attribute
    from pyhanko.sign.signers.pdf_cms import SignedAttributeProviderSpec

    der = simple_cms_attribute("signing_certificate_v2", as_signing_certificate_v2(cert)).dump()

    class SigningCertificate(CMSAttributeProvider):
        attribute_type = "signing_certificate_v2"

        async def get_attribute(self, dry_run=False):
            return cms.CMSAttribute.load(der)

    class Attributes(SignedAttributeProviderSpec):
        def signed_attr_providers(self, data_digest, digest_algorithm):
            yield SigningCertificate()

    return Attributes()


def require() -> None:
    """Refuse (BusinessError) unless a signer is configured and opens."""
    _pdf_signer()


def is_demo() -> bool:
    source = _source()
    return bool(source and source[2])


def certificate_pem() -> bytes:
    """The signer's X.509 certificate (PEM), for verifiers."""
    from asn1crypto import pem

    return pem.armor("CERTIFICATE", _pdf_signer().signer.signing_cert.dump())


def sign(pdf: bytes, attachments: dict[str, tuple[bytes, str, str]] | None = None) -> bytes:
    """`pdf` with the association's PAdES (B-B) signature over all of it, the
    `attachments` (file name -> (data, MIME type, description)) embedded first,
    so the signature covers them too."""
    from pyhanko.pdf_utils import embed
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    signer = _pdf_signer()
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    for name, (data, mime_type, description) in (attachments or {}).items():
        embed.embed_file(writer, embed.FileSpec(
            file_spec_string=name, file_name=name, description=description,
            embedded_data=embed.EmbeddedFileObject.from_file_data(
                writer, data, mime_type=mime_type,
                params=embed.EmbeddedFileParams(embed_checksum=False))))
    return signer.sign_pdf(writer, bytes_reserved=SIGNATURE_BYTES).getvalue()


# how a PDF's signature stands (`check`)
SIGNED, MODIFIED, FOREIGN, UNSIGNED, UNREADABLE = (
    "signed", "modified", "foreign", "unsigned", "unreadable")


def check(pdf: bytes) -> str:
    """How the association's signature on `pdf` stands, offline (pyHanko's validator,
    the association's certificate as the only trust root): SIGNED over the whole
    file, MODIFIED (bytes changed, or more appended, after signing), FOREIGN
    (someone else signed it), UNSIGNED, or UNREADABLE (not a PDF pyHanko can read)."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    trusted = ValidationContext(trust_roots=[_pdf_signer().signer.signing_cert])
    try:  # an upload is anything: every failure of the parser is "unreadable"
        signatures = PdfFileReader(io.BytesIO(pdf), strict=False).embedded_signatures
        if not signatures:
            return UNSIGNED
        status = validate_pdf_signature(signatures[0], trusted, skip_diff=True)
    except Exception:
        return UNREADABLE
    if not (status.intact and status.valid):
        return MODIFIED
    if not status.trusted:
        return FOREIGN
    if len(signatures) > 1 or status.coverage != SignatureCoverageLevel.ENTIRE_FILE:
        return MODIFIED
    return SIGNED


def create_demo_signer(folder: Path) -> bool:
    """A self-signed demo signer in `folder` (once); True when it was created now."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.serialization import pkcs12
    from cryptography.x509.oid import NameOID

    p12, secret = Path(folder) / DEMO_P12, Path(folder) / DEMO_PASSPHRASE
    if p12.exists():
        return False
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "青岛市继续教育协会"),
        x509.NameAttribute(NameOID.COMMON_NAME, "青岛市继续教育协会 电子证书演示签章（DEMO）"),
    ])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(
                digital_signature=True, content_commitment=True, key_encipherment=False,
                data_encipherment=False, key_agreement=False, key_cert_sign=False,
                crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
            .sign(key, hashes.SHA256()))
    passphrase = secrets.token_urlsafe(24).encode()
    body = pkcs12.serialize_key_and_certificates(
        b"xueshi-demo", key, cert, None, serialization.BestAvailableEncryption(passphrase))
    for path, data in ((secret, passphrase), (p12, body)):  # the key file last: it marks done
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
    return True
