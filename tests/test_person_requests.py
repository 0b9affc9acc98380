"""人员登记申请: a unit reviewer who adds a professional cannot learn whether the
number is registered elsewhere (issue 14, item 1). Every add leaves a request
answered "已提交，待确认": a number nobody has waits for the association, a
number registered in another unit for that unit's reviewer (a transfer); the
requester's answers, lists and pages are the same either way."""
from __future__ import annotations

import re

from sqlalchemy import select

from app.extensions import db
from app.models import Message, Person, PersonRequest, Unit
from tests import factories
from tests.conftest import PASSWORD
from tests.plans import statements
from tests.test_oracle_timing import assert_alike, outsider, same_statements

SUBMITTED = "已提交，待确认"


def _body(number: str, unit_id: int, name: str = "新同事") -> dict:
    return {"id_number": number, "name": name, "unit": unit_id, "series": "engineering",
            "title_level": "junior", "is_enterprise_manager": False}


def _person(app, number):
    with app.app_context():
        found = db.session.execute(select(Person.id, Person.unit_id).where(Person.id_number == number)).first()
        db.session.remove()
    return tuple(found) if found else None


def _ask(api, world, number, name="新同事"):
    resp = api("unit_reviewer", "POST", "/api/v1/person/", json=_body(number, world.unit["A"], name))
    assert resp.status_code == 202, resp.json
    return resp


def comparable_page(resp, number: str) -> str:
    """The page less what differs per response by design: the CSP nonce and the
    CSRF token (signed with the time)."""
    text = re.sub(r'nonce="[^"]+"', "", resp.get_data(as_text=True))
    return re.sub(r"[\w-]{20,}\.[\w-]{6}\.[\w-]{20,}", "CSRF", text).replace(number, "N")


def test_the_api_answers_alike_whoever_holds_the_number(app, api, world):
    held, fresh = outsider(app, world), factories.id_number("370203")
    answers = [_ask(api, world, n) for n in (held, fresh)]
    assert answers[0].json["message"] == answers[1].json["message"] and SUBMITTED in answers[0].json["message"]
    assert _person(app, fresh) is None  # nothing registered yet
    assert _person(app, held)[1] == world.unit["B"]  # nobody moved yet
    mine = [api("unit_reviewer", "GET", f"/api/v1/person_request/{r.json['id']}").json["result"] for r in answers]
    for row in mine:
        assert row["state"] == "pending" and row["steps"] == []
        assert "kind" not in row and "holder_unit" not in row and "person" not in row
    assert {k: v for k, v in mine[0].items() if k not in ("id", "created_at", "id_number")} == \
        {k: v for k, v in mine[1].items() if k not in ("id", "created_at", "id_number")}
    assert all("*" in row["id_number"] for row in mine)  # masked for the requester either way
    # the requester cannot decide its own request, whichever kind it is
    refusals = [api("unit_reviewer", "POST", f"/api/v1/person_request/{r.json['id']}/step/confirm")
                for r in answers]
    assert [r.status_code for r in refusals] == [403, 403] and refusals[0].json == refusals[1].json


def test_the_screen_answers_alike_and_reports_its_own_staff(app, clients, world):
    client = clients("unit_reviewer")
    pages = []
    for number in (outsider(app, world), factories.id_number("370203")):
        client.get("/personview/list/")
        client.get("/personview/add")
        resp = client.post("/personview/add", data={**_body(number, world.unit["A"], "屏幕新增"),
                                                    "unit": str(world.unit["A"]), "is_enterprise_manager": ""},
                           follow_redirects=True)
        assert resp.status_code == 200
        pages.append(comparable_page(resp, number))
    assert pages[0] == pages[1]
    assert SUBMITTED in pages[0] and "alert-success" in pages[0] and "已登记" not in pages[0].split(SUBMITTED)[0]
    own = client.post("/personview/add", data={**_body(world.id_number["A"], world.unit["A"]),
                                               "unit": str(world.unit["A"])}, follow_redirects=True)
    assert "该值已登记" in own.get_data(as_text=True)
    listed = client.get("/personrequestview/list/").get_data(as_text=True)
    assert listed.count("屏幕新增") == 2 and "待确认" in listed


def test_the_association_registers_a_new_number_and_the_requester_is_told(app, api, world):
    fresh = factories.id_number("370203")
    request_id = _ask(api, world, fresh, "协会确认").json["id"]
    assert api("unit_reviewer_b", "GET", f"/api/v1/person_request/{request_id}").status_code == 404
    shown = api("association_admin", "GET", f"/api/v1/person_request/{request_id}").json["result"]
    assert shown["steps"] == ["confirm", "reject"] and shown["id_number"] == fresh  # the city sees it in full
    assert api("association_admin", "POST", f"/api/v1/person_request/{request_id}/step/confirm").status_code == 200
    person = _person(app, fresh)
    assert person is not None and person[1] == world.unit["A"]
    assert api("unit_reviewer", "GET", f"/api/v1/person/{person[0]}").status_code == 200
    assert api("unit_reviewer", "GET", f"/api/v1/person_request/{request_id}").json["result"]["state"] == "confirmed"
    with app.app_context():
        told = db.session.execute(select(Message.subject).where(Message.resource == "PersonRequest",
                                                                Message.record_id == request_id)).scalars().all()
        db.session.remove()
    assert told and "协会确认" in told[0]
    # the same number asked again is now the requester's own staff
    again = api("unit_reviewer", "POST", "/api/v1/person/", json=_body(fresh, world.unit["A"]))
    assert again.status_code == 400 and "已登记" in str(again.json["message"])


def test_the_holding_unit_decides_a_transfer_and_the_hours_go_with_the_person(app, api, world):
    held = outsider(app, world)
    person_id = _person(app, held)[0]
    request_id = _ask(api, world, held, "调入人员").json["id"]
    # the association decides new numbers, not another unit's staff
    assert api("association_admin", "POST", f"/api/v1/person_request/{request_id}/step/confirm").status_code == 403
    seen = api("unit_reviewer_b", "GET", f"/api/v1/person_request/{request_id}").json["result"]
    assert seen["steps"] == ["confirm", "reject"] and seen["id_number"] == held
    assert api("unit_reviewer_b", "POST", f"/api/v1/person_request/{request_id}/step/confirm").status_code == 200
    assert _person(app, held) == (person_id, world.unit["A"])
    assert api("unit_reviewer", "GET", f"/api/v1/person/{person_id}").status_code == 200
    assert api("unit_reviewer_b", "GET", f"/api/v1/person/{person_id}").status_code == 404


def test_a_rejection_needs_a_reason_which_the_requester_reads(app, api, world):
    request_id = _ask(api, world, factories.id_number("370203"), "驳回人员").json["id"]
    url = f"/api/v1/person_request/{request_id}/step/reject"
    assert api("association_admin", "POST", url, json={}).status_code == 400
    assert api("association_admin", "POST", url, json={"reason": "身份证号有误"}).status_code == 200
    row = api("unit_reviewer", "GET", f"/api/v1/person_request/{request_id}").json["result"]
    assert row["state"] == "rejected" and row["reason"] == "身份证号有误"
    assert api("association_admin", "POST", url, json={"reason": "again"}).status_code == 409


def test_a_second_request_for_the_same_number_waits_for_the_first(api, world):
    number = factories.id_number("370203")
    _ask(api, world, number)
    again = api("unit_reviewer", "POST", "/api/v1/person/", json=_body(number, world.unit["A"]))
    assert again.status_code == 400 and "待确认" in str(again.json["message"])


def test_only_the_association_changes_an_id_number(app, api, world):
    with app.app_context():
        person = Person(id_number=factories.id_number("370202"), name="改号", unit_id=world.unit["A"],
                        series="engineering", title_level="junior")
        db.session.add(person)
        db.session.commit()
        pk, number = person.id, person.id_number
        db.session.remove()
    answers = [api("unit_reviewer", "PUT", f"/api/v1/person/{pk}", json={"id_number": n})
               for n in (outsider(app, world), factories.id_number("370203"))]
    assert [a.status_code for a in answers] == [400, 400] and answers[0].json == answers[1].json
    assert "协会" in str(answers[0].json["message"])
    assert _person(app, number)[0] == pk
    # the rest of the record stays the unit's to edit
    assert api("unit_reviewer", "PUT", f"/api/v1/person/{pk}", json={"title_level": "intermediate"}).status_code == 200
    new = factories.id_number("370202")
    assert api("association_admin", "PUT", f"/api/v1/person/{pk}", json={"id_number": new}).status_code == 200
    assert _person(app, new)[0] == pk


def test_person_create_in_ones_own_unit_runs_the_same_statements(app, api, world):
    def attempt(number):
        resp = api("unit_reviewer", "POST", "/api/v1/person/", json=_body(number, world.unit["A"], "查重"))
        return resp.status_code, resp.json["message"]

    runs = same_statements(app, attempt, [outsider(app, world), factories.id_number("370203")])
    assert runs[0][0][0] == 202
    assert_alike(runs)


def test_the_screen_add_runs_the_same_statements(app, clients, world):
    client = clients("unit_reviewer")

    def attempt(number):
        resp = client.post("/personview/add", data={**_body(number, world.unit["A"], "屏幕查重"),
                                                    "unit": str(world.unit["A"]), "is_enterprise_manager": ""})
        return resp.status_code  # (where it redirects to is the client's history)

    assert_alike(same_statements(app, attempt, [outsider(app, world), factories.id_number("370203")]))


def test_requests_stay_in_their_scope(app, api, clients, world):
    request_id = _ask(api, world, factories.id_number("370203"), "范围").json["id"]
    for key in ("unit_reviewer_b", "base_staff", "district_officer", "professional", "auditor"):
        assert api(key, "GET", f"/api/v1/person_request/{request_id}").status_code in (403, 404), key
    assert clients("unit_reviewer_b").get(f"/personrequestview/show/{request_id}").status_code == 404
    listed = api("unit_reviewer_b", "GET", "/api/v1/person_request/").json
    assert request_id not in listed["ids"]
    with app.app_context():
        assert db.session.get(PersonRequest, request_id).kind == "register"
        db.session.remove()


def test_the_add_form_starts_with_the_reviewers_own_unit(app, clients, world):
    """A unit reviewer has one unit: the form chooses it, nothing to search for;
    the association, who sees every unit, chooses one."""
    option = f'<option value="{world.unit["A"]}" selected>'
    assert option in clients("unit_reviewer").get("/personview/add").get_data(as_text=True)
    assert "selected>" not in clients("association_admin").get("/personview/add").get_data(as_text=True) \
        .split('id="unit"')[1].split("</select>")[0]


def test_the_forms_say_who_confirms_and_who_corrects_a_number(clients, world):
    reviewer = clients("unit_reviewer")
    add = reviewer.get("/personview/add").get_data(as_text=True)
    assert "确认后登记" in add
    edit = reviewer.get(f"/personview/edit/{world.person['A']}").get_data(as_text=True)
    field = re.search(r'<input[^>]*id="id_number"[^>]*>', edit).group()
    assert "readonly" in field and "只能由市继续教育协会更正" in edit
    association = clients("association_admin").get(f"/personview/edit/{world.person['A']}").get_data(as_text=True)
    assert "readonly" not in re.search(r'<input[^>]*id="id_number"[^>]*>', association).group()


def test_the_requester_cannot_filter_or_sort_by_what_it_may_not_see(api, world):
    _ask(api, world, factories.id_number("370203"), "筛选")
    for column in ("kind", "holder_unit", "person", "holder_unit_id", "person_id"):
        found = api("unit_reviewer", "GET",
                    f"/api/v1/person_request/?q=(filters:!((col:{column},opr:eq,value:transfer)))")
        assert found.status_code == 400, (column, found.json)
        ordered = api("unit_reviewer", "GET", f"/api/v1/person_request/?q=(order_column:{column},order_direction:asc)")
        assert ordered.status_code == 400, (column, ordered.json)


def _unit_held(app, world, tag: str, reviewer: str | None = None) -> tuple[int, str]:
    """A unit of district B with one person of its own (their number is returned),
    and no login but `reviewer`, a unit reviewer, when named."""
    from app.services import accounts, audit

    with app.app_context(), audit.acting_as("tests:holder"):
        unit = Unit(name=f"持号单位{tag}", credit_code=factories.credit_code("370203"),
                    district_id=world.district["B"], department_id=world.department["B"])
        db.session.add(unit)
        db.session.flush()
        person = Person(id_number=factories.id_number("370203"), name=f"持号人员{tag}", unit_id=unit.id,
                        series="engineering", title_level="intermediate")
        db.session.add(person)
        db.session.commit()
        found = unit.id, person.id_number
        if reviewer:
            accounts.create_user(app.appbuilder, username=reviewer, password=PASSWORD, role="unit_reviewer",
                                 targets={"unit": unit.credit_code}, full_name=reviewer)
        db.session.remove()
    return found


def _set_active(app, username: str, active: bool) -> None:
    with app.app_context():
        app.appbuilder.sm.find_user(username=username).active = active
        db.session.commit()
        db.session.remove()


def test_the_association_decides_a_transfer_no_login_of_the_holding_unit_may_decide(app, api, world):
    """A transfer from a unit without a reviewer would wait forever: the association
    decides it, exactly while the unit has no active login with the decide permission."""
    unit_id, held = _unit_held(app, world, "无人")
    person_id = _person(app, held)[0]
    request_id = _ask(api, world, held, "无人审核调入").json["id"]
    url = f"/api/v1/person_request/{request_id}"
    assert api("association_admin", "GET", url).json["result"]["steps"] == ["confirm", "reject"]
    listed = api("association_admin", "GET", "/api/v1/person_request/?q=(filters:!((col:state,opr:eq,value:pending)),"
                 "order_column:id,order_direction:desc,page_size:5)")  # the newest: other tests leave theirs
    assert request_id in listed.json["ids"]
    assert api("association_admin", "POST", f"{url}/step/confirm").status_code == 200
    assert _person(app, held) == (person_id, world.unit["A"])
    assert api("unit_reviewer", "GET", url).json["result"]["state"] == "confirmed"


def test_an_active_reviewer_of_the_holding_unit_keeps_its_transfers(app, api, world):
    """With an active reviewer the association gets 403; once that login is
    deactivated the association may decide (here: reject), and not before."""
    _, held = _unit_held(app, world, "有人", reviewer="unit_reviewer_holder")
    first = _ask(api, world, held, "有人审核调入").json["id"]
    assert api("association_admin", "GET", f"/api/v1/person_request/{first}").json["result"]["steps"] == []
    assert api("association_admin", "POST", f"/api/v1/person_request/{first}/step/confirm").status_code == 403
    _set_active(app, "unit_reviewer_holder", False)
    try:
        reject = api("association_admin", "POST", f"/api/v1/person_request/{first}/step/reject",
                     json={"reason": "持号单位无审核人"})
        assert reject.status_code == 200, reject.json
    finally:
        _set_active(app, "unit_reviewer_holder", True)
    assert _person(app, held)[1] != world.unit["A"]  # nobody moved
    second = _ask(api, world, held, "有人审核调入").json["id"]
    assert api("association_admin", "POST", f"/api/v1/person_request/{second}/step/confirm").status_code == 403
    assert api("association_admin", "POST", f"/api/v1/person_request/{second}/step/reject",
               json={"reason": "x"}).status_code == 403


def test_the_requester_sees_a_transfer_the_association_decides_like_any_request(app, api, world):
    """Whoever decides, the requester's answers, rows and statements are those of
    any request: a number nobody has, one held by a unit with a reviewer, one held
    by a unit without."""
    _, orphaned = _unit_held(app, world, "旁观")
    numbers = [factories.id_number("370203"), outsider(app, world), orphaned]
    answers = [_ask(api, world, n, "旁观申请") for n in numbers]
    assert len({a.json["message"] for a in answers}) == 1
    ids = [a.json["id"] for a in answers]

    def seen_by_requester(request_id):
        with statements(app) as seen:
            row = api("unit_reviewer", "GET", f"/api/v1/person_request/{request_id}").json["result"]
            listed = api("unit_reviewer", "GET",
                         "/api/v1/person_request/?q=(order_column:id,order_direction:desc,page_size:5)").json
            refusal = api("unit_reviewer", "POST", f"/api/v1/person_request/{request_id}/step/confirm")
        shown = {k: v for k, v in row.items() if k not in ("id", "created_at", "id_number")}
        mine = next(r for r in listed["result"] if r["id"] == request_id)
        return ((shown, {k: v for k, v in mine.items() if k not in ("id", "created_at", "id_number")},
                 refusal.status_code, refusal.json), seen)

    seen_by_requester(ids[0])  # warm caches
    assert_alike([seen_by_requester(i) for i in ids])


def _requests_on_home(client) -> tuple[int, str]:
    """The requester's home-page line of its own waiting requests: count and link."""
    page = client.get("/").get_data(as_text=True)
    found = re.search(r'<p class="home-requests">我提交的待确认申请: <a href="([^"]+)" class="home-count">(\d+)</a>',
                      page)
    assert found, page
    return int(found.group(2)), found.group(1).replace("&amp;", "&")


def test_the_requesters_home_counts_its_waiting_requests_whatever_their_kind(app, api, clients, world):
    """A new number, a transfer from a unit with a reviewer and one from a unit
    without: each adds one to the same line, and its list shows the unit's own
    waiting requests alike (not the transfers the unit decides for others)."""
    client = clients("unit_reviewer")
    before, url = _requests_on_home(client)
    _, orphaned = _unit_held(app, world, "首页")
    for number, name in ((factories.id_number("370203"), "首页新号"), (outsider(app, world), "首页调入"),
                         (orphaned, "首页无人")):
        _ask(api, world, number, name)
    # a transfer unit A decides for unit B: A's to-do, not A's request
    with app.app_context():  # a fresh person of unit A: another test may have asked for A's own already
        person = Person(id_number=factories.id_number("370202"), name="首页甲单位人员", unit_id=world.unit["A"],
                        series="engineering", title_level="intermediate")
        db.session.add(person)
        db.session.commit()
        held_by_a = person.id_number
        db.session.remove()
    theirs = api("unit_reviewer_b", "POST", "/api/v1/person/", json=_body(held_by_a, world.unit["B"], "首页他单位"))
    assert theirs.status_code == 202
    after, url_after = _requests_on_home(client)
    assert (after, url_after) == (before + 3, url)
    listed = client.get(url).get_data(as_text=True)
    summary = re.search(r'<p class="xueshi-filters">(.*?)</p>', listed, re.S).group(1)
    assert "本单位提交的" in summary and "待确认" in summary and " y" not in re.sub(r"<[^>]+>", " ", summary)
    assert all(name in listed for name in ("首页新号", "首页调入", "首页无人")) and "首页他单位" not in listed
    assert "原登记单位" not in listed and "持号单位" not in listed  # no holder, by column or by name
    assert "首页他单位" in client.get("/personrequestview/list/").get_data(as_text=True)
    # the association's and another unit's home pages have no such line of unit A's
    assert "home-requests" not in clients("association_admin").get("/").get_data(as_text=True)
