"""The public verify page proves a document: the issued PDF and credential pass, an
edited PDF is "not the issued original", a forged credential fails; the lookup by
number and holder name answers a wrong name like an unknown number; uploads are
bounded, answers JSON for machines, rate-limited, no login."""
from __future__ import annotations

import io
import re

import pytest
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

from app.extensions import db
from app.models import Certificate
from app.services import certificates, identifiers
from tests import rows

JSON = {"Accept": "application/json"}


@pytest.fixture(scope="module")
def issued(app, world):
    """A class certificate with a real identifier, its stored PDF and its credential."""
    out = {}
    for key, state in (("valid", "valid"), ("revoked", "revoked")):
        with app.app_context():
            cid = rows.make(app, world, Certificate, state)
            cert = db.session.get(Certificate, cid)
            cert.number = identifiers.make(identifiers.CLASS_CERTIFICATE, 2026, 9_000_000 + cid)
            db.session.commit()
            out[key] = {"id": cid, "pdf": certificates.pdf_bytes(cert),
                        "jwt": certificates.credential(cert), "number": cert.number,
                        "name": cert.person.name, "token": cert.token}
            db.session.remove()
    return out


def upload(client, data: bytes, name="certificate.pdf", headers=None):
    return client.post("/verify/check", data={"file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data", headers=headers or {})


def edited(pdf: bytes) -> bytes:
    """One character of the text changed, as an editor would (same length)."""
    at = pdf.index(b"ReportLab Generated")
    return pdf[:at] + b"r" + pdf[at + 1:]


def appended(pdf: bytes) -> bytes:
    """The signed file with an incremental update after it (the signature stays intact)."""
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    writer.set_info(generic.DictionaryObject({generic.NameObject("/Title"):
                                              generic.TextStringObject("改过的证书")}))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_the_form_is_public_chinese_and_csp_safe(app):
    resp = app.test_client().get("/verify/")
    body = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "电子证书验证" in body
    assert 'action="/verify/check"' in body and 'action="/verify/lookup"' in body
    nonce = re.search(r"'nonce-([^']+)'", resp.headers["Content-Security-Policy"]).group(1)
    for tag in re.findall(r"<script\b[^>]*>", body):  # no script the policy would block
        assert f'nonce="{nonce}"' in tag or "src=" in tag, tag
    assert not re.search(r"\son[a-z]+=", body)  # no inline event handlers


def test_the_issued_pdf_is_the_original_with_its_status_and_masked_holder(app, issued):
    resp = upload(app.test_client(), issued["valid"]["pdf"])
    body = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "这是签发的原件" in body and "不是签发的原件" not in body
    assert "签章覆盖整个文件" in body and issued["valid"]["number"] in body and "有效" in body
    assert issued["valid"]["name"] not in body  # masked


def test_an_edited_pdf_is_not_the_issued_original(app, issued):
    client = app.test_client()
    for forged in (edited(issued["valid"]["pdf"]), appended(issued["valid"]["pdf"])):
        body = upload(client, forged).get_data(as_text=True)
        assert "不是签发的原件" in body and "签章之后被改动" in body
        assert issued["valid"]["number"] not in body  # nothing vouched for
        answer = upload(client, forged, headers=JSON).json
        assert answer["issued"] is False and answer["signature"] == "modified"
        assert answer["certificate"] is None


def test_a_revoked_certificate_pdf_is_the_original_but_revoked(app, issued):
    answer = upload(app.test_client(), issued["revoked"]["pdf"], headers=JSON).json
    assert answer["issued"] is True and answer["certificate"]["valid"] is False
    assert "已撤销" in upload(app.test_client(), issued["revoked"]["pdf"]).get_data(as_text=True)


def test_machines_get_json(app, issued):
    answer = upload(app.test_client(), issued["valid"]["pdf"], headers=JSON).json
    assert answer["issued"] is True and answer["signature"] == "signed"
    assert answer["certificate"]["number"] == issued["valid"]["number"]
    assert answer["certificate"]["valid"] is True


def test_the_credential_round_trips_as_a_file_or_pasted(app, issued):
    client = app.test_client()
    as_file = upload(client, issued["valid"]["jwt"].encode(), name="c.jwt", headers=JSON).json
    pasted = client.post("/verify/check", data={"credential": issued["valid"]["jwt"]}, headers=JSON).json
    for answer in (as_file, pasted):
        assert answer["kind"] == "credential" and answer["issued"] is True
        assert answer["signature"] == "credential_valid"
        assert answer["certificate"]["number"] == issued["valid"]["number"]
    page = client.post("/verify/check", data={"credential": issued["valid"]["jwt"]}).get_data(as_text=True)
    assert "这是签发的原件" in page


def test_a_forged_credential_fails(app, issued):
    header, payload, sig = issued["valid"]["jwt"].split(".")
    forged = f"{header}.{payload[:-4]}AAAA.{sig}"
    answer = app.test_client().post("/verify/check", data={"credential": forged}, headers=JSON).json
    assert answer["issued"] is False and answer["signature"] == "credential_invalid"
    assert answer["certificate"] is None
    page = app.test_client().post("/verify/check", data={"credential": forged}).get_data(as_text=True)
    assert "不是签发的原件" in page


@pytest.mark.parametrize("data", [b"", b"\x00\xff" * 50, b"%PDF-1.7\n garbage", b"not.a.jwt"])
def test_junk_is_a_clear_answer_never_a_500(app, data):
    resp = upload(app.test_client(), data, headers=JSON)
    assert resp.status_code in (200, 400)
    assert resp.json.get("issued") is not True


def test_no_file_is_a_chinese_error(app):
    resp = app.test_client().post("/verify/check", data={}, headers=JSON)
    assert resp.status_code == 400 and "请选择" in resp.json["error"]


def test_an_upload_over_the_bound_is_refused_before_parsing(app, issued, monkeypatch):
    from app.pdf import sign

    monkeypatch.setitem(app.config, "XUESHI_VERIFY_MAX_BYTES", 1024)
    monkeypatch.setattr(sign, "check", lambda pdf: pytest.fail("parsed an oversized upload"))
    resp = upload(app.test_client(), issued["valid"]["pdf"], headers=JSON)
    assert resp.status_code == 400 and "1 KB" in resp.json["error"]


def test_lookup_by_number_and_name(app, issued):
    client = app.test_client()
    mine = issued["valid"]
    found = client.post("/verify/lookup", data={"number": mine["number"].lower().replace("-", " "),
                                                "name": mine["name"]}, headers=JSON)
    assert found.status_code == 200 and found.json["certificate"]["number"] == mine["number"]
    page = client.post("/verify/lookup", data={"number": mine["number"], "name": mine["name"]})
    assert page.status_code == 200 and mine["number"] in page.get_data(as_text=True)


def test_a_wrong_name_answers_exactly_like_an_unknown_number(app, issued):
    client = app.test_client()
    mine = issued["valid"]
    with app.app_context():
        unknown = identifiers.make(identifiers.CLASS_CERTIFICATE, 2026, 9_999_999)
    wrong_name = client.post("/verify/lookup", data={"number": mine["number"], "name": "王某某"},
                             headers=JSON)
    no_such = client.post("/verify/lookup", data={"number": unknown, "name": mine["name"]},
                          headers=JSON)
    assert wrong_name.status_code == no_such.status_code == 404
    assert wrong_name.json == no_such.json
    pages = [client.post("/verify/lookup", data={"number": n, "name": name}).get_data(as_text=True)
             for n, name in ((mine["number"], "王某某"), (unknown, mine["name"]))]
    strip = lambda html: re.sub(r'nonce="[^"]+"|value="[^"]*"', "", html)  # noqa: E731
    assert strip(pages[0]) == strip(pages[1]) and "没有证书" in pages[0]


def test_a_mistyped_number_is_a_chinese_error(app, issued):
    number = issued["valid"]["number"]
    typo = number[:-1] + ("A" if number[-1] != "A" else "B")
    resp = app.test_client().post("/verify/lookup", data={"number": typo, "name": "x"}, headers=JSON)
    assert resp.status_code == 400 and resp.json["field"] == "number" and "校验" in resp.json["error"]
    resp = app.test_client().post("/verify/lookup", data={"number": "", "name": ""})
    assert resp.status_code == 400 and "证书编号" in resp.get_data(as_text=True)


def test_the_lookup_is_rate_limited_harder_than_the_page(make_app, issued):
    limited = make_app(XUESHI_VERIFY_RATE_LIMIT="100 per minute",
                       XUESHI_VERIFY_LOOKUP_RATE_LIMIT="3 per minute")
    client = limited.test_client()
    codes = [client.post("/verify/lookup", data={"number": issued["valid"]["number"], "name": "x"},
                         headers=JSON, environ_base={"REMOTE_ADDR": "10.9.9.9"}).status_code
             for _ in range(5)]
    assert codes[:3] == [404, 404, 404] and codes[3:] == [429, 429]
    assert client.get("/verify/", environ_base={"REMOTE_ADDR": "10.9.9.9"}).status_code == 200
