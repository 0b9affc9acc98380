"""A class's certificates as one ZIP, built by a job, for its organiser and the
association only: each signed PDF as issued, revoked ones left out, audited as a
personal-data download; another organiser's class is 404, even by a forged job."""
from __future__ import annotations

import hashlib
import io
import json
import secrets
import zipfile
from decimal import Decimal

import pytest
from sqlalchemy import select

from app import jobs
from app.extensions import db
from app.models import AuditEntry, Certificate, Enrolment, Job, Person, Unit
from app.models.base import utcnow
from app.security import scope as scopes
from app.services import status_list
from tests import factories, rows


def _class_with_certificates(app, world, side: str, valid: int, revoked: int) -> dict:
    with app.app_context():
        cls = rows._training_class(world, side, "reviewed")
        unit = db.session.get(Unit, world.unit[side])
        numbers = []
        for i in range(valid + revoked):
            person = Person(id_number=factories.id_number("370202"), name=f"证书包{i}", unit=unit,
                            series="engineering", title_level="intermediate")
            db.session.add(person)
            db.session.flush()
            enrolment = Enrolment(class_id=cls.id, person_id=person.id, attendance={})
            db.session.add(enrolment)
            db.session.flush()
            number = f"ZIP-{cls.id}-{i}"
            db.session.add(Certificate(number=number, token=secrets.token_urlsafe(32), class_id=cls.id,
                                       enrolment_id=enrolment.id, person_id=person.id,
                                       hours=Decimal(6), issued_at=utcnow(), revoked=i >= valid,
                                       status_index=status_list.allocate(1)))
            db.session.flush()  # the next index counts this one
            if i < valid:
                numbers.append(number)
        cls.certificates_total = valid + revoked
        db.session.commit()
        return {"id": cls.id, "valid": numbers}


@pytest.fixture(scope="module")
def classes(app, world):
    return {"mine": _class_with_certificates(app, world, "A", valid=3, revoked=1),
            "theirs": _class_with_certificates(app, world, "B", valid=1, revoked=0)}


def _job(app, job_id: int) -> Job:
    with app.app_context():
        job = db.session.get(Job, job_id)
        db.session.expunge(job)
        return job


def test_the_organiser_gets_every_valid_certificate_as_issued(app, clients, classes):
    mine = classes["mine"]
    resp = clients("base_staff").post(f"/trainingclassview/certificates-zip/{mine['id']}")
    assert resp.status_code == 302 and "/jobs/" in resp.location
    job_id = int(resp.location.rstrip("/").rsplit("/", 1)[1])
    job = _job(app, job_id)
    assert job.state == jobs.DONE and (job.done, job.total) == (3, 3)
    assert "3" in job.message
    download = clients("base_staff").get(f"/jobs/{job_id}/file")
    assert download.status_code == 200 and download.mimetype == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(download.data))
    download.close()
    names = sorted(archive.namelist())
    assert names == sorted([f"{n}.pdf" for n in mine["valid"]] + ["SHA256SUMS"])  # no revoked one
    with app.app_context():
        stored = {c.number: c.sha256 for c in db.session.execute(
            select(Certificate).where(Certificate.class_id == mine["id"])).scalars()}
    sums = archive.read("SHA256SUMS").decode()
    for number in mine["valid"]:
        body = archive.read(f"{number}.pdf")
        assert body.startswith(b"%PDF-")
        assert hashlib.sha256(body).hexdigest() == stored[number]  # the issued file itself
        assert f"{stored[number]}  {number}.pdf" in sums
    with app.app_context():
        event = db.session.execute(
            select(AuditEntry).where(AuditEntry.table_name == "download.personal_data")
            .order_by(AuditEntry.seq.desc()).limit(1)).scalar_one()
        details = json.loads(event.after)
        assert event.username == "base_staff"  # one entry, for the file's download
        assert (event.record_id, details["endpoint"]) == (f"job:{job_id}", "JobView.file")


def test_the_association_may_too_and_the_api_answers_202(api, classes):
    resp = api("association_admin", "POST", f"/api/v1/training_class/{classes['mine']['id']}/certificates-zip")
    assert resp.status_code == 202
    assert api("association_admin", "GET", resp.json["url"]).json["result"]["state"] == jobs.DONE
    got = api("association_admin", "GET", resp.json["url"] + "/file")
    assert got.status_code == 200 and len(zipfile.ZipFile(io.BytesIO(got.data)).namelist()) == 4
    got.close()


def test_another_organisers_class_is_not_found(clients, api, classes):
    theirs = classes["theirs"]["id"]
    assert clients("base_staff").post(f"/trainingclassview/certificates-zip/{theirs}").status_code == 404
    assert api("base_staff", "POST", f"/api/v1/training_class/{theirs}/certificates-zip").status_code == 404


def test_a_job_forged_for_another_class_fails_with_nothing_attached(app, classes):
    """The indirect attack: a job for an out-of-scope class, started past the view."""
    with app.app_context():
        user = app.appbuilder.sm.find_user(username="base_staff")
        job = jobs.start("certificates_zip", scopes.scope_for_user(user), class_id=classes["theirs"]["id"])
        job_id = job.id
        db.session.remove()
    job = _job(app, job_id)
    assert job.state == jobs.FAILED and job.result_name is None and "记录不存在" in (job.error or "")


def test_roles_without_the_download_may_not_start_it(clients, classes):
    resp = clients("district_officer").post(f"/trainingclassview/certificates-zip/{classes['mine']['id']}")
    assert resp.status_code in (302, 403) and "/jobs/" not in (resp.location or "")


def test_the_class_page_offers_the_zip_to_the_organiser_only(clients, classes):
    url = f"/trainingclassview/show/{classes['mine']['id']}"
    assert "打包下载全部证书" in clients("base_staff").get(url).get_data(as_text=True)
    seen = clients("district_officer").get(url)  # may see the class, not download its certificates
    assert "打包下载全部证书" not in seen.get_data(as_text=True)
