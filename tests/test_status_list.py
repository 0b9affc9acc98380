"""Revocation and suspension as a W3C Bitstring Status List: revoking and
suspending a class or year certificate flip exactly its entry in the same
transaction, lifting (by hand or by closing the case) clears it, the published
list is a signed credential a second verifier (cryptography directly) accepts
and a tampered copy fails; the verify page says 有效 / 暂停 / 已撤销 with the date
and the reason category; credentials validate against the Open Badges 3.0 schema
(tests/schemas/: 1EdTech's ob_v3p0_achievementcredential_schema.json as published
at purl.imsglobal.org)."""
from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from jsonschema import Draft201909Validator

from app.extensions import db
from sqlalchemy import select

from app.models import Case, Certificate, Message, YearCertificate
from app.services import certificates, status_list
from tests import rows

SCHEMA = json.loads((Path(__file__).parent / "schemas" / "ob_v3p0_achievementcredential_schema.json")
                    .read_text(encoding="utf-8"))
JSON = {"Accept": "application/json"}


def b64(data: str) -> bytes:
    return base64.urlsafe_b64decode(data + "=" * (-len(data) % 4))


def _public_key(app) -> Ed25519PublicKey:
    (jwk,) = app.test_client().get("/.well-known/jwks.json").json["keys"]
    return Ed25519PublicKey.from_public_bytes(b64(jwk["x"]))


def fetched(app, url: str) -> dict:
    """The status list at `url`, checked the way an outside verifier would: the
    signature with the published key (cryptography, not joserfc), then decoded."""
    path = url.split("://", 1)[1].split("/", 1)[1]
    resp = app.test_client().get("/" + path)
    assert resp.status_code == 200 and resp.mimetype == "application/vc+jwt"
    header, payload, sig = resp.get_data(as_text=True).split(".")
    _public_key(app).verify(b64(sig), f"{header}.{payload}".encode())  # raises unless genuine
    doc = json.loads(b64(payload))
    assert json.loads(b64(header))["typ"] == "vc+jwt"
    return {"doc": doc, "bits": status_list.decode(doc["credentialSubject"]["encodedList"]),
            "jwt": (header, payload, sig)}


def _entry(app, model, pk) -> dict:
    with app.app_context():
        row = db.session.get(model, pk)
        doc = (certificates.year_credential(row) if model is YearCertificate
               else certificates.credential(row))
        db.session.remove()
    return json.loads(b64(doc.split(".")[1]))


def _token(app, model, pk) -> str:
    with app.app_context():
        token = db.session.get(model, pk).token
        db.session.remove()
    return token


def _differing_bits(before: bytes, after: bytes) -> list[int]:
    return [i * 8 + b for i, (x, y) in enumerate(zip(before, after)) for b in range(8)
            if ((x ^ y) >> (7 - b)) & 1]


def _state(app, model, pk):
    """The credential's own status entry, and the list it points to as fetched now."""
    status = _entry(app, model, pk)["credentialStatus"]
    return status, fetched(app, status["statusListCredential"])


@pytest.fixture()
def cert(app, world):
    with app.app_context():
        return rows.make(app, world, Certificate, "valid", side="A")


@pytest.fixture()
def year(app, world):
    with app.app_context():
        return rows.make(app, world, YearCertificate, "valid", side="A")


def test_the_published_list_is_signed_big_enough_and_a_tampered_copy_fails(app, cert):
    status, published = _state(app, Certificate, cert)
    assert status["type"] == "BitstringStatusListEntry" and status["statusPurpose"] == "message"
    assert status["statusSize"] == 2 and [m["message"] for m in status["statusMessage"]][:3] == [
        "valid", "suspended", "revoked"]
    doc = published["doc"]
    assert doc["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert doc["credentialSubject"]["type"] == "BitstringStatusList"
    assert doc["credentialSubject"]["encodedList"].startswith("u")  # multibase base64url of GZIP
    assert len(published["bits"]) * 8 // status["statusSize"] >= 131_072
    header, payload, sig = published["jwt"]
    doc["credentialSubject"]["encodedList"] = status_list.encode(b"\xff" * len(published["bits"]))
    forged = base64.urlsafe_b64encode(json.dumps(doc).encode()).rstrip(b"=").decode()
    with pytest.raises(InvalidSignature):
        _public_key(app).verify(b64(sig), f"{header}.{forged}".encode())
    assert app.test_client().get("/credentials/status/999999").status_code == 404


def test_revoking_flips_exactly_the_certificates_entry_and_the_verify_page_says_why(app, api, cert):
    status, before = _state(app, Certificate, cert)
    position = int(status["statusListIndex"])
    assert status_list.value_at(before["bits"], position) == 0
    refused = api("association_admin", "POST", f"/api/v1/certificate/{cert}/step/revoke",
                  json={"reason": "伪造签到", "category": "made up"})
    assert refused.status_code == 400 and "原因类别" in json.dumps(refused.json, ensure_ascii=False)
    assert fetched(app, status["statusListCredential"])["bits"] == before["bits"]  # nothing changed

    assert api("association_admin", "POST", f"/api/v1/certificate/{cert}/step/revoke",
               json={"reason": "伪造签到", "category": "fraud"}).status_code == 200
    after = fetched(app, status["statusListCredential"])["bits"]
    assert _differing_bits(before["bits"], after) == [position * 2]  # revoked = 0b10
    assert status_list.value_at(after, position) == 2
    token = _token(app, Certificate, cert)
    page = app.test_client().get(f"/verify/{token}", headers=JSON).json
    assert page["valid"] is False and page["status"] == "revoked" and page["status_on"]
    assert page["status_label"] == "已撤销" and page["status_reason"] == "查实弄虚作假"
    assert "伪造签到" not in json.dumps(page, ensure_ascii=False)  # the category only, not the text
    html = app.test_client().get(f"/verify/{token}").get_data(as_text=True)
    assert "已撤销" in html and "查实弄虚作假" in html


def test_suspension_flips_its_bit_and_closing_the_case_lifts_it(app, api, world, cert):
    with app.app_context():
        case = rows.make(app, world, Case, "open", side="A")
        closed = rows.make(app, world, Case, "closed", side="A")
    status, before = _state(app, Certificate, cert)
    position = int(status["statusListIndex"])
    url = f"/api/v1/certificate/{cert}/step/suspend"
    refused = api("association_admin", "POST", url, json={"reason": "签到存疑", "case_id": closed})
    assert refused.status_code == 400
    assert api("association_admin", "POST", url, json={"reason": "签到存疑", "case_id": case}).status_code == 200
    after = fetched(app, status["statusListCredential"])["bits"]
    assert _differing_bits(before["bits"], after) == [position * 2 + 1]  # suspended = 0b01
    token = _token(app, Certificate, cert)
    page = app.test_client().get(f"/verify/{token}", headers=JSON).json
    assert page["status"] == "suspended" and page["status_label"] == "暂停"
    assert page["status_reason"] == "材料存疑，移交核查" and page["status_on"]
    assert "暂停" in app.test_client().get(f"/verify/{token}").get_data(as_text=True)

    assert api("district_officer", "POST", f"/api/v1/case/{case}/step/close",
               json={"outcome": "核查属实，材料无误"}).status_code == 200
    assert fetched(app, status["statusListCredential"])["bits"] == before["bits"]
    page = app.test_client().get(f"/verify/{token}", headers=JSON).json
    assert page["valid"] is True and page["status_label"] == "有效" and page["status_reason"] is None


def test_a_year_certificate_is_suspended_lifted_and_revoked_on_its_own_entry(app, api, year, cert):
    status, before = _state(app, YearCertificate, year)
    position = int(status["statusListIndex"])
    other = int(_entry(app, Certificate, cert)["credentialStatus"]["statusListIndex"])
    assert position != other  # one numbering across class and year certificates
    base = f"/api/v1/year_certificate/{year}/step"
    assert api("association_admin", "POST", f"{base}/suspend", json={"reason": "存疑"}).status_code == 200
    assert _differing_bits(before["bits"], fetched(app, status["statusListCredential"])["bits"]) == [
        position * 2 + 1]
    assert api("association_admin", "POST", f"{base}/lift", json={}).status_code == 200
    assert fetched(app, status["statusListCredential"])["bits"] == before["bits"]
    assert api("association_admin", "POST", f"{base}/revoke",
               json={"reason": "学时造假", "category": "fraud"}).status_code == 200
    assert _differing_bits(before["bits"], fetched(app, status["statusListCredential"])["bits"]) == [
        position * 2]
    page = app.test_client().get(f"/verify/{_token(app, YearCertificate, year)}", headers=JSON).json
    assert page["status"] == "revoked" and page["year"] > 1000 and page["status_reason"] == "查实弄虚作假"
    with app.app_context():  # the holder is told, as of a class certificate
        told = db.session.execute(select(Message.step).where(
            Message.resource == "YearCertificate", Message.record_id == year,
            Message.user_id == rows.user_id(app, "professional"))).scalars().all()
        db.session.remove()
    assert sorted(told) == ["lift", "revoke", "suspend"]
    again = api("association_admin", "POST", f"{base}/suspend", json={"reason": "x"})
    assert again.status_code == 409


def test_year_certificates_are_scoped_like_ledgers(app, api, world):
    with app.app_context():
        mine = rows.make(app, world, YearCertificate, "valid", side="A")
        theirs = rows.make(app, world, YearCertificate, "valid", side="B")
    assert api("professional", "GET", f"/api/v1/year_certificate/{mine}").status_code == 200
    assert api("professional", "GET", f"/api/v1/year_certificate/{theirs}").status_code == 404
    listed = api("professional", "GET", "/api/v1/year_certificate/?q=(page_size:100)").json
    assert theirs not in listed["ids"] and mine in listed["ids"]
    # the indirect way: filter by the other side's person
    q = f"(filters:!((col:person,opr:rel_o_m,value:{world.person['B']})))"
    assert api("professional", "GET", f"/api/v1/year_certificate/?q={q}").json["count"] == 0
    assert api("base_staff", "GET", "/api/v1/year_certificate/").status_code == 403
    assert api("professional", "POST", f"/api/v1/year_certificate/{mine}/step/revoke",
               json={"reason": "x", "category": "fraud"}).status_code == 403


@pytest.mark.parametrize("model", [Certificate, YearCertificate])
def test_credentials_validate_against_the_open_badges_schema(app, world, model):
    with app.app_context():
        pk = rows.make(app, world, model, "valid", side="A")
    doc = _entry(app, model, pk)
    errors = sorted(Draft201909Validator(SCHEMA).iter_errors(doc), key=lambda e: list(e.path))
    assert errors == [], [f"{list(e.path)}: {e.message}" for e in errors]
    assert doc["credentialStatus"]["statusListCredential"].endswith("/credentials/status/1")
