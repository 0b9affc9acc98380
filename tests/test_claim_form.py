"""The self-claim form and the claim pages: the kinds and fields of the claim's
year (its rule set, data), 注册类考试 and its courses, what the engine will
credit before submitting, and the warning on an achievement already credited."""
from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Activity, Claim
from tests.test_claims import ledger_of, submitted_claim


def _credited(app, person_id, claim_id, year=2026):
    with app.app_context():
        activity_id = db.session.execute(select(Activity.id).where(
            Activity.source == "claim", Activity.source_id == claim_id)).scalar()
        db.session.remove()
    item = next(it for it in ledger_of(app, person_id, year)["items"] if it[0] == activity_id)
    return Decimal(item[1]) + Decimal(item[2]), item[3]


def _exam(registration, courses=3, title="一级建造师"):
    return {"kind": "qualification_exam", "title": title, "category": "professional",
            "date": "2026-09-20", "registration": registration, "courses": courses}


@pytest.mark.parametrize("registration,courses,credited", [
    (True, 3, Decimal(48)),     # 四(三)4: a registration exam counts 16 per course
    (False, 3, Decimal(16)),    # otherwise 16 for the item, whatever the courses
])
def test_si_san_4_courses_are_asked_and_counted_only_for_registration_exams(
        app, api, world, registration, courses, credited):
    claim_id = submitted_claim(api, _exam(registration, courses))
    with app.app_context():
        claim = db.session.get(Claim, claim_id)
        assert (claim.registration, claim.courses) == (registration, courses if registration else None)
        db.session.remove()
    assert api("unit_reviewer", "POST", f"/api/v1/claim/{claim_id}/step/approve").status_code == 200
    assert _credited(app, world.person["A"], claim_id) == (credited, [])
    assert api("association_admin", "POST", f"/api/v1/claim/{claim_id}/step/revoke",
               json={"reason": "测试"}).status_code == 200


def test_a_qualification_exam_must_say_whether_it_is_a_registration_exam(api):
    body = _exam(None)
    del body["registration"]
    resp = api("professional", "POST", "/api/v1/claim/", json=body)
    assert resp.status_code == 400 and "注册类考试" in resp.json["message"]["registration"][0]
    resp = api("professional", "POST", "/api/v1/claim/", json={**_exam(True), "courses": 0})
    assert resp.status_code == 400 and "courses" in resp.json["message"]


def test_a_kind_the_years_rule_set_does_not_make_claimable_is_refused(api):
    resp = api("professional", "POST", "/api/v1/claim/", json={
        "kind": "online_training", "title": "线上课", "category": "professional", "channel": "live",
        "days": [{"date": "2026-04-01", "hours": 2}]})
    assert resp.status_code == 400 and "kind" in resp.json["message"]
    assert "2026年度不能申报" in resp.json["message"]["kind"][0]


# -- the form per kind ---------------------------------------------------------

import re  # noqa: E402

from tests.test_claims import new_claim, upload  # noqa: E402

NAMES = {"category", "date", "hours", "days-date", "passed", "registration", "courses", "project",
         "channel", "start", "end", "reason"}
FORM_FIELDS = {
    "public_subject_exam": {"date", "hours", "passed"},
    "academic_activity": {"category", "days-date"},
    "education_or_tour": {"category", "date"},
    "achievement": {"category", "date", "project"},
    "qualification_exam": {"category", "date", "registration", "courses"},
    "expert_service": {"category", "days-date"},
    "assignment": {"start", "end"},
    "leave_exemption": {"start", "end", "reason"},
}


def _names(page: str) -> set[str]:
    return set(re.findall(r'name="([\w-]+)"', page)) & NAMES


@pytest.mark.parametrize("kind", FORM_FIELDS)
def test_the_claim_form_shows_only_the_fields_of_its_kind_and_marks_the_required_ones(clients, kind):
    page = clients("professional").get(f"/claimview/new/{kind}").get_data(as_text=True)
    assert _names(page) == FORM_FIELDS[kind]
    assert page.count('class="text-danger" title="必填"') >= len(FORM_FIELDS[kind])
    assert "textarea" not in page
    if "days-date" in FORM_FIELDS[kind]:
        assert 'type="date" class="form-control input-sm" name="days-date"' in page
        assert "添加一天" in page
    if "category" in FORM_FIELDS[kind]:  # 专业 first and chosen
        assert re.search(r'<option selected value="professional">专业科目</option>', page)


def test_every_kind_of_the_year_is_offered_and_nothing_else(clients):
    page = clients("professional").get("/claimview/new/").get_data(as_text=True)
    offered = set(re.findall(r'/claimview/new/(\w+)\?year=', page))
    assert offered == set(FORM_FIELDS)
    assert clients("professional").get("/claimview/new/online_training").status_code == 404
    assert clients("professional").get("/claimview/new/academic_activity?year=1999").status_code == 404
    assert clients("professional").get("/claimview/new/x?year=99999999999999999999").status_code == 404


def _days_form(title, rows, **extra):
    return {"title": title, "category": "professional", "days-date": [d for d, _ in rows],
            "days-hours": [h for _, h in rows], **extra}


def test_day_by_day_hours_come_from_the_table(app, clients, world):
    client = clients("professional")
    resp = client.post("/claimview/new/academic_activity", data=_days_form(
        "表格学术会议", [("2026-03-02", "6"), ("", ""), ("2026-03-03", "2.5")]))
    assert resp.status_code == 302
    claim_id = int(resp.headers["Location"].rstrip("/").split("/")[-1])
    with app.app_context():
        assert db.session.get(Claim, claim_id).days == [
            {"date": "2026-03-02", "hours": 6}, {"date": "2026-03-03", "hours": 2.5}]
        db.session.remove()
    edit = client.get(f"/claimview/change/{claim_id}").get_data(as_text=True)
    assert 'value="2026-03-03"' in edit and 'value="2.5"' in edit


@pytest.mark.parametrize("rows,message", [
    ([("2026-03-02", "")], "学时"),
    ([("", "4")], "日期"),
    ([("2026-02-30", "4")], "日期"),
    ([("2026-03-02", "25")], "24"),
    ([("2026-03-02", "-1")], "学时"),
    ([], "至少"),
])
def test_a_bad_day_row_is_a_chinese_error_and_nothing_is_saved(app, clients, rows, message):
    with app.app_context():
        before = db.session.query(Claim).count()
        db.session.remove()
    resp = clients("professional").post("/claimview/new/academic_activity",
                                        data=_days_form("坏的日期", rows))
    assert resp.status_code == 200
    assert message in re.search(r'data-field="days".*?</div>\s*</div>', resp.get_data(as_text=True),
                                re.S).group(0)
    with app.app_context():
        assert db.session.query(Claim).count() == before
        db.session.remove()


def _preview(client, kind, data, **args):
    query = "&".join(f"{k}={v}" for k, v in args.items())
    resp = client.post(f"/claimview/expected-hours/{kind}?{query}", data=data)
    assert resp.status_code == 200, resp.get_data(as_text=True)
    return resp.get_json()["html"]


def test_the_form_previews_the_hours_the_engine_will_credit(app, clients):
    client = clients("professional")
    html = _preview(client, "qualification_exam", {
        "title": "一级建造师", "category": "professional", "date": "2026-09-20",
        "registration": "1", "courses": "2"})
    assert "预计认定学时" in html and "32" in html and "本人2026年度已认定" in html
    html = _preview(client, "qualification_exam", {
        "title": "一级建造师", "category": "professional", "date": "2026-09-20",
        "registration": "0", "courses": "2"})
    assert re.search(r"预计认定学时:\s*16\b", html)
    # the 预览 button does the same on the server, and saves nothing
    with app.app_context():
        before = db.session.query(Claim).count()
        db.session.remove()
    page = client.post("/claimview/new/education_or_tour", data={
        "title": "出国考察", "category": "professional", "date": "2026-06-01", "preview": "1"})
    assert page.status_code == 200 and re.search(r"预计认定学时:\s*10\b", page.get_data(as_text=True))
    with app.app_context():
        assert db.session.query(Claim).count() == before
        db.session.remove()


@pytest.mark.parametrize("data", [
    {"title": "x", "category": "professional", "date": "2026-13-45"},
    {"title": "x", "category": "nonsense", "date": "2026-06-01"},
    {"title": "", "category": "professional", "date": "2026-06-01"},
    {"title": "x" * 5000, "category": "professional", "date": "1900-01-01"},
    {},
])
def test_a_preview_of_a_half_filled_form_says_what_to_fix(clients, data):
    html = _preview(clients("professional"), "education_or_tour", data)
    assert "填写完整后即可预览学时" in html


def test_a_preview_for_a_claim_out_of_scope_is_a_404(app, api, clients):
    claim_id = new_claim(api, body={"kind": "education_or_tour", "title": "别人的考察",
                                    "category": "professional", "date": "2026-06-01"})
    other = clients("unit_reviewer_b")
    resp = other.post(f"/claimview/expected-hours/education_or_tour?claim={claim_id}", data={})
    assert resp.status_code == 404
    assert other.get(f"/claimview/show/{claim_id}").status_code == 404
    assert clients("professional").post(
        "/claimview/expected-hours/education_or_tour?claim=99999999999999999999", data={}).status_code == 404


def test_the_reviewer_sees_the_expected_hours_and_the_persons_year_so_far(app, api, clients):
    claim_id = submitted_claim(api, {"kind": "education_or_tour", "title": "自学考试审核预览",
                                     "category": "professional", "date": "2026-06-02"})
    page = clients("unit_reviewer").get(f"/claimview/show/{claim_id}").get_data(as_text=True)
    assert "预计认定学时" in page and "本人2026年度已认定" in page
    assert api("unit_reviewer", "POST", f"/api/v1/claim/{claim_id}/step/reject",
               json={"reason": "测试"}).status_code == 200


def test_a_claim_page_shows_only_the_fields_of_its_kind(api, clients):
    claim_id = new_claim(api, body={"kind": "achievement", "title": "发明专利:字段", "category": "professional",
                                    "date": "2026-05-01", "project": "ZL-FIELDS-1"})
    page = clients("professional").get(f"/claimview/show/{claim_id}").get_data(as_text=True)
    assert "项目成果" in page and "ZL-FIELDS-1" in page
    for other in ("开始日期", "结束日期", "情形", "日期及学时", "通过课程门数", "考试是否合格", "审核时间",
                  "驳回原因"):
        assert f"<th>{other}" not in page and f">{other}<" not in page, other


def test_the_same_achievement_of_any_year_is_flagged_to_claimant_and_reviewer(app, api, clients, world):
    first = submitted_claim(api, {"kind": "achievement", "title": "发明专利:一种浮标", "category": "professional",
                                  "date": "2026-03-01", "project": "ZL 2026 1234.5"})
    assert api("unit_reviewer", "POST", f"/api/v1/claim/{first}/step/approve").status_code == 200
    try:
        again = {"title": "同一专利再报", "category": "professional", "date": "2026-10-01",
                 "project": "ｚｌ２０２６ 1234.5"}  # NFKC, casefold, no white space: the same key
        html = _preview(clients("professional"), "achievement", again)
        assert "与已认定的《发明专利:一种浮标》(2026年度)为同一项目成果" in html
        assert "同一项目成果" not in _preview(clients("professional"), "achievement",
                                          {**again, "project": "ZL 2026 9999"})
        second = submitted_claim(api, {"kind": "achievement", **again})
        page = clients("unit_reviewer").get(f"/claimview/show/{second}").get_data(as_text=True)
        assert "与已认定的《发明专利:一种浮标》(2026年度)为同一项目成果" in page
        own = clients("unit_reviewer").get(f"/claimview/show/{first}").get_data(as_text=True)
        assert "claim-same-achievement" not in own  # an approved claim is not its own duplicate
        assert api("unit_reviewer", "POST", f"/api/v1/claim/{second}/step/reject",
                   json={"reason": "重复"}).status_code == 200
    finally:
        assert api("association_admin", "POST", f"/api/v1/claim/{first}/step/revoke",
                   json={"reason": "测试"}).status_code == 200


# -- a year owns its claimable kinds and channels ---------------------------------

@pytest.fixture()
def year_2099(app):
    """A fictional 2099, registered only here: online training and assignments are
    claimable, achievements are not, a new kind 志愿授课 is, and the online channels
    are others."""
    import dataclasses

    from app.rules import registry
    from app.rules.model import HOURS, KindRule, Text
    from app.rules.sets.y2026 import RULE_SET

    claimable = {"online_training", "assignment"}
    kinds = tuple(dataclasses.replace(k, claimable=k.kind in claimable) for k in RULE_SET.kinds) + (
        KindRule("volunteer_teaching", "九(九)9", Text("志愿授课", "Volunteer teaching"),
                 Text("按实际授课学时认定", "The hours actually taught."), credit=HOURS, claimable=True),)
    channels = {"metaverse": Text("元宇宙课堂", "Metaverse classroom"),
                "hologram": Text("全息投影", "Hologram"), "wechat": Text("微信", "WeChat")}
    registry.register(dataclasses.replace(
        RULE_SET, year=2099, kinds=kinds, channels=frozenset(channels),
        unrecognized_channels=frozenset({"wechat"}), channel_labels=channels))
    yield 2099
    registry.unregister(2099)
    with app.app_context():
        db.session.execute(Claim.__table__.delete().where(Claim.year == 2099))
        db.session.commit()
        db.session.remove()


def test_a_fictional_2099_rule_set_changes_the_claim_form_without_code_changes(app, clients, year_2099):
    client = clients("professional")
    page = client.get("/claimview/new/?year=2099").get_data(as_text=True)
    assert set(re.findall(r'/claimview/new/(\w+)\?year=2099', page)) == {
        "online_training", "assignment", "volunteer_teaching"}
    assert "志愿授课" in page and "按实际授课学时认定" in page and "2026年度" in page
    assert client.get("/claimview/new/achievement?year=2099").status_code == 404

    online = client.get("/claimview/new/online_training?year=2099").get_data(as_text=True)
    assert _names(online) == {"category", "days-date", "channel"}
    assert re.findall(r'<option[^>]*value="(\w+)"', online)[-3:] == ["hologram", "metaverse", "wechat"]
    assert "元宇宙课堂" in online and "学习平台" not in online
    assert _names(client.get("/claimview/new/volunteer_teaching?year=2099").get_data(as_text=True)) == {
        "category", "date", "hours"}

    html = _preview(client, "volunteer_teaching", {"title": "乡村学校授课", "category": "professional",
                                                   "date": "2099-03-01", "hours": "5"}, year=2099)
    assert re.search(r"预计认定学时:\s*5\b", html) and "本人2099年度已认定" in html
    resp = client.post("/claimview/new/volunteer_teaching?year=2099", data={
        "title": "乡村学校授课", "category": "professional", "date": "2099-03-01", "hours": "5"})
    assert resp.status_code == 302
    shown = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "志愿授课" in shown and "按实际授课学时认定" in shown

    days = {"title": "元宇宙研修", "category": "professional", "days-date": "2099-04-01", "days-hours": "3"}
    refused = client.post("/claimview/new/online_training?year=2099", data={**days, "channel": "live"})
    assert refused.status_code == 200 and "未知的线上渠道" in refused.get_data(as_text=True)
    assert client.post("/claimview/new/online_training?year=2099",
                       data={**days, "channel": "hologram"}).status_code == 302
    # the same kind on 2026 dates is judged by 2026, where it is not claimable
    wrong_year = client.post("/claimview/new/online_training?year=2099",
                             data={**days, "days-date": "2026-04-01", "channel": "hologram"})
    assert "2026年度不能申报此类记录" in wrong_year.get_data(as_text=True)


def test_courses_are_required_only_for_a_registration_exam_also_without_the_script(app, clients):
    """The courses field is not required in the page (the script requires it once
    注册类考试 is chosen), so a non-registration exam is sent without the script;
    a registration exam without courses gets the server's Chinese error."""
    client = clients("professional")
    page = client.get("/claimview/new/qualification_exam").get_data(as_text=True)
    courses = re.search(r"<input[^>]*name=\"courses\"[^>]*>", page).group()
    assert "required" not in courses.replace("data-required-when", "")
    body = {"title": "非注册类资格考试", "category": "professional", "date": "2026-09-20",
            "registration": "0", "courses": ""}
    resp = client.post("/claimview/new/qualification_exam", data=body)
    assert resp.status_code == 302, resp.get_data(as_text=True)
    claim_id = int(resp.headers["Location"].rstrip("/").split("/")[-1])
    with app.app_context():
        claim = db.session.get(Claim, claim_id)
        assert (claim.registration, claim.courses) == (False, None)
        db.session.delete(claim)
        db.session.commit()
        db.session.remove()
    resp = client.post("/claimview/new/qualification_exam", data={**body, "registration": "1"})
    assert resp.status_code == 200
    error = re.search(r'data-field="courses".*?</div>\s*</div>', resp.get_data(as_text=True), re.S).group(0)
    assert "请填写通过课程门数" in error, error


def test_a_claim_page_says_yes_or_no_not_true(api, clients):
    claim_id = submitted_claim(api, _exam(True, 2, title="注册类考试是否"))
    html = clients("professional").get(f"/claimview/show/{claim_id}").get_data(as_text=True)
    text = re.sub(r"<(script|style)\b.*?</\1>|<[^>]+>", " ", html, flags=re.S)
    assert re.search(r"注册类考试\s+是", text) and not re.search(r"\b(True|False)\b", text)
