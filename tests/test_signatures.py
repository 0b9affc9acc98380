"""PAdES signatures on every certificate PDF, checked by two independent verifiers
(pyHanko's validator and poppler's `pdfsig`); one changed byte breaks both."""
from __future__ import annotations

import io
import subprocess
from datetime import date
from pathlib import Path

import pytest
from pyhanko.keys import load_cert_from_pemder
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from app.pdf import certificate, sign
from app.services.errors import BusinessError
from tests.pdfcheck import tool


@pytest.fixture(scope="module")
def signed(app, tmp_path_factory):
    data = certificate.CertificateData(
        "JXPX-51370200MJ0000000N-20260000001-01-X", "http://127.0.0.1:8080/verify/abc", "张三",
        "370203********1234", "签名测试班", "青岛市测试基地", date(2026, 4, 1), date(2026, 4, 2),
        "专业科目", "16", "青岛市继续教育协会", date(2026, 4, 3))
    with app.app_context():
        body = sign.sign(certificate.render(data))
        pem = sign.certificate_pem()
    folder = tmp_path_factory.mktemp("signed")
    (folder / "signer.pem").write_bytes(pem)
    return body, folder / "signer.pem"


def pyhanko_status(body: bytes, pem: Path):
    reader = PdfFileReader(io.BytesIO(body))
    (embedded,) = reader.embedded_signatures
    context = ValidationContext(trust_roots=[load_cert_from_pemder(str(pem))])
    return validate_pdf_signature(embedded, context)


def pdfsig(body: bytes, tmp_path: Path) -> str:
    path = tmp_path / "doc.pdf"
    path.write_bytes(body)
    return subprocess.run([tool("pdfsig", "poppler-utils"), str(path)], capture_output=True,
                          text=True).stdout


def tampered(body: bytes) -> bytes:
    """One byte changed inside the signed range (in the header comment, so it still opens)."""
    at = body.index(b"ReportLab Generated")
    return body[:at] + b"r" + body[at + 1:]


def test_pyhanko_validates_the_signature_against_the_published_certificate(signed):
    body, pem = signed
    status = pyhanko_status(body, pem)
    assert status.intact and status.valid and status.trusted
    assert status.coverage.name == "ENTIRE_FILE"
    assert "青岛市继续教育协会" in status.signing_cert.subject.human_friendly


def test_pdfsig_agrees(signed, tmp_path):
    out = pdfsig(signed[0], tmp_path)
    assert "Signature is Valid." in out and "Total document signed" in out
    assert "ETSI.CAdES.detached" in out  # PAdES


def test_one_changed_byte_breaks_it_for_both(signed, tmp_path):
    body, pem = signed
    bad = tampered(body)
    assert len(bad) == len(body) and bad != body
    status = pyhanko_status(bad, pem)
    assert not status.intact and not status.bottom_line
    out = pdfsig(bad, tmp_path)
    assert "Signature is Valid." not in out and "Digest Mismatch" in out


def test_production_refuses_to_issue_without_a_configured_signer(app):
    with app.app_context():
        saved = app.config["XUESHI_ENV"]
        app.config["XUESHI_ENV"] = "production"  # the demo signer is never used there
        try:
            with pytest.raises(BusinessError) as refused:
                sign.require()
            assert "未配置签章证书" in str(refused.value) and refused.value.status == 409
        finally:
            app.config["XUESHI_ENV"] = saved
        sign.require()  # outside production the demo signer made by `xueshi init` serves


def test_a_wrong_passphrase_is_a_clear_refusal(app, instance_dir):
    with app.app_context():
        app.config.update(XUESHI_SIGNER_P12=str(instance_dir / sign.DEMO_P12),
                          XUESHI_SIGNER_PASSPHRASE="not-the-passphrase")
        try:
            with pytest.raises(BusinessError) as refused:
                sign.require()
            assert "无法用所配置的口令打开签章证书" in str(refused.value)
        finally:
            app.config.update(XUESHI_SIGNER_P12=None, XUESHI_SIGNER_PASSPHRASE=None)


def test_the_signed_attributes_are_pades_baseline_and_each_signature_stands_alone(app, signed):
    """signing-certificate-v2 (encoded once, app/pdf/sign.py) and no signing time;
    a second signature with the same reused attribute is as valid as the first."""
    body, pem = signed
    (embedded,) = PdfFileReader(io.BytesIO(body)).embedded_signatures
    attrs = {a["type"].native for a in embedded.signer_info["signed_attrs"]}
    assert {"content_type", "message_digest", "signing_certificate_v2"} <= attrs
    assert "signing_time" not in attrs
    with app.app_context():
        again = sign.sign(certificate.render(certificate.CertificateData(
            "JXPX-51370200MJ0000000N-20260000002-01-8", "http://127.0.0.1:8080/verify/def", "李四",
            "370203********5678", "签名测试班", "青岛市测试基地", date(2026, 4, 1), date(2026, 4, 2),
            "专业科目", "8", "青岛市继续教育协会", date(2026, 4, 3))))
        assert sign.check(again) == sign.check(body) == sign.SIGNED
    status = pyhanko_status(again, pem)
    assert status.intact and status.valid and status.trusted


def test_the_issued_pdf_carries_its_credential_under_the_signature(app, world, clients, tmp_path):
    """The certificate's credential is embedded before signing: poppler lists and
    extracts it, it verifies with the published key, and the signature covers the file."""
    import base64
    import json

    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    from app.extensions import db
    from app.models import Certificate
    from app.services import certificates
    from tests import rows

    with app.app_context():
        pk = rows.make(app, world, Certificate, "valid", side="A")
        verify_url = certificates.verify_url(db.session.get(Certificate, pk).token)
        pem = sign.certificate_pem()
        db.session.remove()
    resp = clients("base_staff").get(f"/certificateview/pdf/{pk}")
    assert resp.status_code == 200 and resp.mimetype == "application/pdf"
    body = resp.data
    (tmp_path / "signer.pem").write_bytes(pem)
    status = pyhanko_status(body, tmp_path / "signer.pem")
    assert status.intact and status.valid and status.coverage.name == "ENTIRE_FILE"
    path = tmp_path / "cert.pdf"
    path.write_bytes(body)
    detach = tool("pdfdetach", "poppler-utils")
    listed = subprocess.run([detach, "-list", str(path)], capture_output=True, text=True).stdout
    assert certificates.CREDENTIAL_ATTACHMENT in listed
    out = tmp_path / "credential.jwt"
    subprocess.run([detach, "-save", "1", "-o", str(out), str(path)], check=True)
    header, payload, sig = out.read_text().split(".")

    def b64(data: str) -> bytes:
        return base64.urlsafe_b64decode(data + "=" * (-len(data) % 4))

    (jwk,) = app.test_client().get("/.well-known/jwks.json").json["keys"]
    Ed25519PublicKey.from_public_bytes(b64(jwk["x"])).verify(b64(sig), f"{header}.{payload}".encode())
    assert json.loads(b64(payload))["id"] == verify_url
