"""Open Badges 3.0 credentials (VC-JOSE, Ed25519): published key, a second verifier
(cryptography directly), tampering fails, scope on the download, JSON verify page."""
from __future__ import annotations

import base64
import hashlib
import json

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from app.extensions import db
from app.models import Certificate
from app.services import credentials
from tests import rows


def b64(data: str) -> bytes:
    return base64.urlsafe_b64decode(data + "=" * (-len(data) % 4))


@pytest.fixture(scope="module")
def issued(app, world, clients):
    with app.app_context():
        mine = rows.make(app, world, Certificate, "valid", side="A")
        theirs = rows.make(app, world, Certificate, "valid", side="B")
        cert = db.session.get(Certificate, mine)
        token, name, id_number = cert.token, cert.person.name, cert.person.id_number
        db.session.remove()
    resp = clients("base_staff").get(f"/certificateview/credential/{mine}")
    assert resp.status_code == 200 and resp.mimetype == "application/vc+jwt"
    return {"jwt": resp.get_data(as_text=True), "token": token, "name": name,
            "id_number": id_number, "theirs": theirs}


def test_credential_is_an_open_badge_about_its_holder_only_by_salted_hash(issued):
    header, payload, _sig = issued["jwt"].split(".")
    head = json.loads(b64(header))
    assert head["alg"] == "Ed25519" and head["typ"] == "vc+jwt"
    doc = json.loads(b64(payload))
    assert doc["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert doc["@context"][0] == "https://www.w3.org/ns/credentials/v2"
    assert doc["id"].endswith("/verify/" + issued["token"])
    subject = doc["credentialSubject"]
    assert subject["achievement"]["type"] == ["Achievement"] and subject["creditsEarned"] == 6.0
    text = json.dumps(doc, ensure_ascii=False)
    assert issued["name"] not in text and issued["id_number"] not in text
    ident = {i["identityType"]: i for i in subject["identifier"]}["identifier"]
    assert ident["identityHash"] == "sha256$" + hashlib.sha256(
        (issued["id_number"] + ident["salt"]).encode()).hexdigest()  # whoever knows the number
    assert doc["identifier"][0]["identifier"].startswith("PROBE-")


def test_a_second_verifier_checks_it_with_the_published_key_and_tampering_fails(app, issued):
    jwks = app.test_client().get("/.well-known/jwks.json").json
    (jwk,) = jwks["keys"]
    assert jwk["kty"] == "OKP" and jwk["crv"] == "Ed25519" and "d" not in jwk
    public = Ed25519PublicKey.from_public_bytes(b64(jwk["x"]))
    header, payload, sig = issued["jwt"].split(".")
    public.verify(b64(sig), f"{header}.{payload}".encode())  # raises when not genuine
    doc = json.loads(b64(payload))
    doc["credentialSubject"]["creditsEarned"] = 60.0
    forged = base64.urlsafe_b64encode(json.dumps(doc).encode()).rstrip(b"=").decode()
    with pytest.raises(InvalidSignature):
        public.verify(b64(sig), f"{header}.{forged}".encode())
    with app.app_context():
        assert credentials.verify(issued["jwt"])["id"] == doc["id"]
        assert credentials.verify(f"{header}.{forged}.{sig}") is None
        assert credentials.verify("not a token") is None


def test_out_of_scope_download_is_not_found(clients, issued):
    assert clients("base_staff").get(f"/certificateview/credential/{issued['theirs']}").status_code == 404


def test_verify_page_answers_machines_in_json(app, issued):
    client = app.test_client()
    found = client.get(f"/verify/{issued['token']}", headers={"Accept": "application/json"})
    assert found.status_code == 200 and found.json["found"] and found.json["valid"] is True
    assert issued["name"] not in json.dumps(found.json, ensure_ascii=False)
    number = issued["id_number"]
    assert found.json["id_number"] == number[0] + "*" * 16 + number[-1]  # first and last only
    missing = client.get("/verify/" + "x" * 43, headers={"Accept": "application/json"})
    assert missing.status_code == 404 and missing.json == {"found": False}


def test_the_signer_certificate_is_published(app):
    pem = app.test_client().get("/.well-known/xueshi-signer.pem")
    assert pem.status_code == 200 and pem.data.startswith(b"-----BEGIN CERTIFICATE-----")
