"""Realistic demo data: departments, units in several districts, two bases,
professionals with valid ID numbers and credit codes, one login per role."""
from __future__ import annotations

import random
import secrets
from datetime import date, timedelta

import pyotp
from sqlalchemy import select, update
from stdnum.cn import ric, uscc

from ..extensions import db
from ..models import Department, District, Person, TrainingBase, Unit
from ..models.choices import TITLE_LEVELS
from ..security import mfa
from ..security.passwords import generate_password
from ..security.roles import ROLE_LABELS
from . import accounts

DEPARTMENTS = [
    "青岛市工业和信息化局",
    "青岛市住房和城乡建设局",
    "青岛市农业农村局",
    "青岛市交通运输局",
    "青岛市科学技术局",
]

# (name, district code, department index)
UNITS = [
    ("青岛海岸软件技术有限公司", "370202", 0),
    ("青岛港湾工程设计研究院有限公司", "370202", 1),
    ("青岛北岸机械制造股份有限公司", "370203", 0),
    ("青岛市北区建筑工程质量检测中心", "370203", 1),
    ("青岛西海岸新区船舶科技有限公司", "370211", 3),
    ("青岛黄岛石化设备有限公司", "370211", 0),
    ("青岛崂山生物医药研究院", "370212", 4),
    ("青岛李沧轨道交通装备有限公司", "370213", 3),
    ("青岛城阳现代农业科技有限公司", "370214", 2),
    ("青岛即墨纺织服装研究所", "370215", 0),
    ("胶州市农业技术推广中心", "370281", 2),
    ("平度市水利工程建设有限公司", "370283", 1),
    ("莱西市农产品质量检测站", "370285", 2),
    ("青岛市建筑设计研究院集团股份有限公司", "370200", 1),
    ("青岛市科技信息研究院", "370200", 4),
]

BASES = [
    ("JD2026001", "青岛市工程技术人员继续教育基地", 0),
    ("JD2026002", "青岛市建设工程专业技术人员继续教育基地", 1),
]

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红建文辉力鹏飞宇浩然晨欣怡婷雪琳晓东海波宁凯"

# series codes with rough weights; a few out-of-scope people show the refusal paths
SERIES_WEIGHTS = [
    ("engineering", 50), ("economics", 12), ("agriculture", 10), ("research", 6),
    ("translation", 2), ("statistics", 4), ("audit", 3), ("health", 4),
    ("k12_teacher", 3), ("accounting", 6),
]


def _credit_code(rng: random.Random, region: str) -> str:
    body = "91" + region + "".join(rng.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(9))
    return body + uscc.calc_check_digit(body)


def _id_number(rng: random.Random, region: str) -> str:
    born = date(1965, 1, 1) + timedelta(days=rng.randrange(0, 35 * 365))
    body = region + born.strftime("%Y%m%d") + f"{rng.randrange(0, 1000):03d}"
    return body + ric.calc_check_digit(body + "0")


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def _load_data(people: int, rng: random.Random) -> None:
    districts = {d.code: d for d in db.session.execute(select(District)).scalars()}
    departments = [Department(name=n, contact=_name(rng), phone=f"0532-8{rng.randrange(1000000, 9999999)}")
                   for n in DEPARTMENTS]
    db.session.add_all(departments)
    units = []
    for name, code, dept in UNITS:
        region = code if code != "370200" else "370202"
        units.append(Unit(
            name=name, credit_code=_credit_code(rng, region), district=districts[code],
            department=departments[dept], contact=_name(rng),
            phone=f"0532-8{rng.randrange(1000000, 9999999)}",
        ))
    db.session.add_all(units)
    db.session.add_all(
        TrainingBase(code=code, name=name, department=departments[dept], status="active",
                     contact=_name(rng), phone=f"0532-8{rng.randrange(1000000, 9999999)}")
        for code, name, dept in BASES
    )
    series_codes = [s for s, _ in SERIES_WEIGHTS]
    weights = [w for _, w in SERIES_WEIGHTS]
    seen: set[str] = set()
    for i in range(people):
        unit = units[i % len(units)]
        region = unit.district.code if unit.district.code != "370200" else "370203"
        number = _id_number(rng, region)
        while number in seen:
            number = _id_number(rng, region)
        seen.add(number)
        # the first person of the first unit is the demo professional: in scope
        series = "engineering" if i == 0 else rng.choices(series_codes, weights)[0]
        db.session.add(Person(
            id_number=number, name=_name(rng), unit=unit, series=series,
            title_level=rng.choice(list(TITLE_LEVELS)),
            is_enterprise_manager=rng.random() < 0.1,
            phone=f"13{rng.randrange(100000000, 999999999)}",
        ))
    db.session.commit()


COURSES = ["新时代专业技术人员能力建设", "新质生产力专题", "数字技术应用基础", "知识产权保护实务",
           "网络安全与数据保护", "应急管理基础", "人工智能赋能行业发展", "工程项目管理新方法"]


def _load_hours(rng: random.Random) -> None:
    """A year in motion: platform courses for most people, a published plan,
    a reviewed class with certificates, claims in every state."""
    from ..models import (
        Activity, Certificate, Claim, Enrolment, PlanProject, PlanPublication, Seminar, TrainingClass,
    )
    from ..models.base import utcnow
    from . import ledgers, status_list

    people = db.session.execute(select(Person).order_by(Person.id)).scalars().all()
    for person in people:
        diligent = rng.random() < 0.6  # most people keep up; some fall short
        plan = ["public"] * 3 + ["professional"] * 6 if diligent else [
            rng.choice(("public", "professional")) for _ in range(rng.randint(1, 4))]
        for k, category in enumerate(plan):
            day = date(2026, 1, 5) + timedelta(days=rng.randrange(300))
            db.session.add(Activity(
                person_id=person.id, kind="platform_course", title=rng.choice(COURSES),
                category=category, date=day, hours=rng.choice((10, 11, 12, 12, 16)) if diligent
                else rng.choice((4, 6, 8)),
                first_year=2026, last_year=2026, source="platform",
                dedupe_key=f"demo-{person.id}-{k}"))
    bases = db.session.execute(select(TrainingBase).order_by(TrainingBase.id)).scalars().all()
    plan = PlanProject(year=2026, name="2026年智能制造专业技术人员知识更新工程", category="professional",
                       audience="工程技术人员", planned_hours=24, months="4–6月", base_id=bases[0].id,
                       state="accepted")
    db.session.add_all([
        plan,
        PlanProject(year=2026, name="2026年建设工程新技术推广", category="professional",
                    audience="建设工程专业技术人员", planned_hours=16, months="9月",
                    base_id=bases[1].id, state="accepted"),
        PlanPublication(year=2026, published_on=date(2026, 3, 20), published_at=utcnow()),
        Seminar(year=2026, name="山东省数字经济高级研修班", level="provincial", base_id=bases[0].id,
                state="approved"),
    ])
    db.session.flush()
    cls = TrainingClass(
        name="智能制造新技术高级研修班", base_id=bases[0].id, mode="offline", category="professional",
        start_date=date(2026, 5, 18), end_date=date(2026, 5, 20), hours_per_day=8,
        venue="青岛市市南区香港中路", capacity=40, plan_project_id=plan.id, state="reviewed",
        filed_at=utcnow(), reviewed_at=utcnow())
    db.session.add(cls)
    db.session.flush()
    in_scope = [p for p in people if p.series not in ("health", "k12_teacher", "accounting")][:24]
    first_index = status_list.allocate(len(in_scope))
    for n, person in enumerate(in_scope, start=1):
        enrolment = Enrolment(class_id=cls.id, person_id=person.id, phone=person.phone,
                              attendance={"2026-05-18": 8, "2026-05-19": 8, "2026-05-20": 6})
        db.session.add(enrolment)
        db.session.flush()
        days = [{"date": d, "hours": h} for d, h in sorted(enrolment.attendance.items())]
        db.session.add(Activity(person_id=person.id, kind="priority_training", title=cls.name,
                                category="professional", days=days, first_year=2026, last_year=2026,
                                source="class", source_id=enrolment.id))
        db.session.add(Certificate(number=f"QDJX2026-{n:06d}", token=secrets.token_urlsafe(32),
                                   class_id=cls.id, enrolment_id=enrolment.id, person_id=person.id,
                                   hours=44, issued_at=utcnow(), status_index=first_index + n - 1))
    cls.certificates_total = len(in_scope)
    first = people[0]
    for state, title, day in (("approved", "山东省工程技术学会年会", "2026-04-09"),
                              ("submitted", "全国专业技术人员职业资格考试", "2026-09-20"),
                              ("draft", "发明专利:一种港口起重机防摇装置", "2026-07-01")):
        claim = Claim(person_id=first.id, year=2026, state=state, title=title, category="professional",
                      submitted_at=None if state == "draft" else utcnow(),
                      reviewed_at=utcnow() if state == "approved" else None)
        if state == "submitted":
            claim.kind, claim.date, claim.courses = "qualification_exam", date.fromisoformat(day), 2
            claim.registration = True
        elif state == "draft":
            claim.kind, claim.date, claim.project = "achievement", date.fromisoformat(day), title
        else:
            claim.kind, claim.days = "academic_activity", [{"date": day, "hours": 8}]
        db.session.add(claim)
        db.session.flush()
        if state == "approved":
            db.session.add(Activity(person_id=first.id, kind=claim.kind, title=title, category="professional",
                                    days=claim.days, first_year=2026, last_year=2026, source="claim",
                                    source_id=claim.id))
    db.session.commit()
    ledgers.recompute_year(2026)


def _demo_logins() -> list[tuple[str, str, dict]]:
    first_unit = db.session.execute(select(Unit).order_by(Unit.id)).scalars().first()
    first_person = db.session.execute(
        select(Person).where(Person.unit_id == first_unit.id).order_by(Person.id)
    ).scalars().first()
    return [
        ("association_admin", "xiehui", {}),
        ("authority_staff", "gongxinju", {"department": DEPARTMENTS[0]}),
        ("base_staff", "jidi01", {"base": BASES[0][0]}),
        ("unit_reviewer", "danwei01", {"unit": first_unit.credit_code}),
        ("professional", "zhuanji01", {"person": first_person.id_number}),
        ("district_officer", "shinan", {"district": "370202"}),
        ("auditor", "shenji", {}),
        ("Admin", "sysadmin", {}),
    ]


def load(appbuilder, *, people: int = 200, seed: int | None = None) -> list[dict]:
    """Load the data once; (re)issue a random password for each demo login."""
    accounts.initialise(appbuilder)
    exists = db.session.execute(select(Department).where(Department.name == DEPARTMENTS[0])).scalar()
    if exists is None:
        rng = random.Random(2026 if seed is None else seed)
        _load_data(people, rng)
        _load_hours(rng)
    logins = []
    for role, username, targets in _demo_logins():
        password = generate_password()
        user = appbuilder.sm.find_user(username=username)
        if user is None:
            accounts.create_user(appbuilder, username=username, password=password, role=role,
                                 targets=targets, full_name=username)
        else:
            accounts.set_password(appbuilder, user, password, must_change=False)
        user = appbuilder.sm.find_user(username=username)
        secret = None
        if mfa.required(user):  # pre-enrolled, so the demo needs no phone
            secret = pyotp.random_base32()
            mfa.enrol_with_secret(user, secret)
            db.session.commit()
        logins.append({"role": role, "username": username, "password": password,
                       "label": str(ROLE_LABELS[role]), "totp_secret": secret})
    _filed_by(appbuilder.sm.find_user(username="zhuanji01"))
    return logins


def _filed_by(user) -> None:
    """The demo claims are the demo professional's own: they may edit, submit and
    withdraw them, and their unit reviews them (four eyes)."""
    from ..models import Claim

    db.session.execute(update(Claim).where(Claim.created_by.is_(None)).values(created_by=user.id))
    db.session.execute(update(Claim).where(Claim.state != "draft", Claim.submitted_by.is_(None))
                       .values(submitted_by=user.id))
    db.session.commit()
