"""Certificates benchmark: a 1,000-person class, end to end, against the stock libraries.

    python bench/certificates_bench.py [--people 1000] [--db URL] [--profile]

Seeds an empty database (a new SQLite file by default; a PostgreSQL URL must
name an empty database, or pass --reset) with a reviewed-ready class of N
participants, then times, in one run:

  (a) issuing: `approve_completion` (attendance → activities, ledgers,
      numbered certificates, one transaction) and `render_pending` (each
      certificate's QR code and PDF, its PAdES signature, written to disk,
      rows updated, in chunks);
  (b) the floor: the same N pages drawn by the stock libraries alone
      (reportlab + segno through `app/pdf/certificate.py`, which is layout
      only) and written to disk: no database, no numbers, no signing.

Prints certificates per second, the time of each part, and the ratio of the
certificate work alone (render_pending) to the floor; the last line is
`ratio=R`. The goal: R ≤ 2, and the whole class certified in under a minute.
`--profile` also prints where render_pending's time goes (cProfile, top 15).

Where the time went (pyinstrument over `sign.sign`): about nine tenths of a
signature was asn1crypto re-encoding the signing-certificate-v2 attribute
(the issuer's name inside ESSCertIDv2), rebuilt from native values and dumped
several times per signature; the ECDSA signature itself and pyHanko's PDF
writing are a few milliseconds. `app/pdf/sign.py` encodes that attribute once
per signer: CPU per signature 79 → 11–30 ms, against about 20 ms to draw a
page. Single process throughout: no pool, no change to the signature (still
PAdES B-B, validated by pyHanko and pdfsig in tests/test_signatures.py).
"""
from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import sys
import tempfile
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import MetaData, create_engine, insert, inspect, text  # noqa: E402


def seed(app, people: int) -> int:
    from stdnum.cn import ric, uscc

    from app.extensions import db
    from app.models import Department, Enrolment, Person, TrainingBase, TrainingClass, Unit
    from app.models.training_class import COMPLETION_REQUESTED

    with app.app_context():
        district = db.session.execute(text("SELECT id FROM district LIMIT 1")).scalar()
        dept = Department(name="基准部门")
        db.session.add(dept)
        db.session.flush()
        body = "91370202MA0000001"
        unit = Unit(name="基准单位", credit_code=body + uscc.calc_check_digit(body), district_id=district,
                    department_id=dept.id)
        base = TrainingBase(code="BENCH", name="青岛市基准继续教育基地", department_id=dept.id)
        db.session.add_all([unit, base])
        db.session.flush()
        cls = TrainingClass(name="人工智能与数字经济高级研修班", base_id=base.id, mode="offline",
                            category="professional", start_date=date(2026, 5, 11),
                            end_date=date(2026, 5, 12), hours_per_day=Decimal(8), venue="青岛",
                            capacity=people, state=COMPLETION_REQUESTED)
        db.session.add(cls)
        db.session.flush()
        persons = []
        for n in range(people):
            body = f"370202{1970 + n % 30}0{1 + n % 9}1{n % 10}{n % 1000:03d}"
            persons.append({"id": n + 1, "id_number": body + ric.calc_check_digit(body + "0"),
                            "name": f"学员{n:04d}", "unit_id": unit.id, "series": "engineering",
                            "title_level": "intermediate", "is_enterprise_manager": False})
        conn = db.session.connection()
        conn.execute(insert(Person), persons)
        conn.execute(insert(Enrolment), [
            {"class_id": cls.id, "person_id": p["id"], "attendance": {"2026-05-11": 8, "2026-05-12": 6}}
            for p in persons])
        db.session.commit()
        class_id = cls.id
        db.session.remove()
    return class_id


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=1000)
    parser.add_argument("--db", default=None)
    parser.add_argument("--reset", action="store_true")
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()

    tmp = tempfile.mkdtemp(prefix="xueshi-cert-bench-")
    os.environ["XUESHI_INSTANCE_DIR"] = tmp
    url = args.db or f"sqlite:///{tmp}/bench.db"
    engine = create_engine(url)
    if inspect(engine).get_table_names():
        if not args.reset:
            sys.exit(f"{url} is not empty; pass --reset to drop its tables")
        if engine.dialect.name == "sqlite":
            tables = MetaData()  # no schemas in SQLite
            tables.reflect(engine)
            tables.drop_all(engine)
        else:
            with engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()

    from flask_migrate import upgrade

    from app import create_app
    from app.extensions import db
    from app.models import Certificate
    from app.security.scope import SYSTEM
    from app.pdf import certificate as certificate_pdf
    from app.pdf import sign
    from app.services import accounts, certificates, classes, credentials

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "XUESHI_JOBS_IMMEDIATE": True})
    with app.app_context():
        upgrade()
        accounts.initialise(app.appbuilder)  # the approval checks the association's permission
        sign.create_demo_signer(Path(app.instance_path))  # as `xueshi init` does
        credentials.create_demo_key(Path(app.instance_path))
        db.session.remove()
    class_id = seed(app, args.people)

    with app.app_context():
        certificate_pdf.render(certificate_pdf.CertificateData(  # parse and register the font
            "x", "x", "x", "x", "x", "x", date.today(), date.today(), "x", "1", "x", date.today()))
        t0 = time.perf_counter()
        classes.approve_completion(SYSTEM, class_id)
        approve_s = time.perf_counter() - t0
        profiler = cProfile.Profile() if args.profile else None
        t0 = time.perf_counter()
        if profiler:
            profiler.enable()
        written = certificates.render_pending(class_id)
        if profiler:
            profiler.disable()
        render_s = time.perf_counter() - t0
        data = [certificates.data_for(c) for c in db.session.query(Certificate).order_by(Certificate.id)]
        floor_dir = Path(tmp) / "floor"
        floor_dir.mkdir()
        t0 = time.perf_counter()
        for i, item in enumerate(data):
            (floor_dir / f"{i}.pdf").write_bytes(certificate_pdf.render(item))
        floor_s = time.perf_counter() - t0
        db.session.remove()
        db.engine.dispose()

    if profiler:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(15)
    total = approve_s + render_s
    print(f"class of {args.people} ({engine.dialect.name}): {written} certificates written")
    print(f"approval (activities, ledgers, numbered certificates, one transaction): {approve_s:.2f} s")
    print(f"certificates (QR, PDF, signature, file, row; chunks of 100): {render_s:.2f} s = "
          f"{written / render_s:,.0f} certificates/s")
    print(f"floor (reportlab + segno alone, same pages, no database): {floor_s:.2f} s = "
          f"{len(data) / floor_s:,.0f} PDFs/s")
    print(f"whole class certified in {total:.1f} s (goal: under 60 s)")
    print(f"ratio={render_s / floor_s:.2f}")


if __name__ == "__main__":
    main()
