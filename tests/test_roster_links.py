"""待确认: a base's roster names people of other organisations' units only as
links their unit's reviewer confirms or rejects, and answers a wrong name
exactly like a number nobody has (issue 14, items 1 and 6)."""
from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Enrolment, Message, Person, RosterLink
from tests import factories
from tests.samples import xlsx
from tests.test_classes import ROSTER, accepted_class, upload


def roster(api, class_id, rows, role="base_staff"):
    return upload(api, role, f"/api/v1/training_class/{class_id}/roster", xlsx(ROSTER, rows))


def links_of(app, class_id):
    with app.app_context():
        found = db.session.execute(select(RosterLink).where(RosterLink.class_id == class_id)
                                   .order_by(RosterLink.id)).scalars().all()
        out = [(link.id, link.kind, link.state, link.unit_id, link.person_id) for link in found]
        db.session.remove()
    return out


def person_of(app, number):
    """The id of the person registered with `number`, None if nobody is."""
    with app.app_context():
        found = db.session.execute(select(Person.id).where(Person.id_number == number)).scalar()
        db.session.remove()
    return found


def enrolled(app, class_id):
    with app.app_context():
        ids = set(db.session.execute(select(Enrolment.person_id).where(
            Enrolment.class_id == class_id)).scalars())
        db.session.remove()
    return ids


def registered_b(app, world, name="乙单位学员"):
    """A person of unit B (outside base A's scope) with a number base A does not know."""
    with app.app_context():
        person = Person(id_number=factories.id_number("370203"), name=name, unit_id=world.unit["B"],
                        series="engineering", title_level="intermediate")
        db.session.add(person)
        db.session.commit()
        out = (person.id, person.id_number)
        db.session.remove()
    return out


def test_a_wrong_name_is_answered_like_an_unknown_number(app, api, world):
    """The attack: guess the birth date behind a masked number by uploading the
    known name with each candidate; before, a registered number with another
    name was refused (“姓名与身份证号不符”) while an unknown one registered a
    new person. Now both answers are identical, problems and outcome alike."""
    _, known = registered_b(app, world)
    unknown = factories.id_number("370203")
    unit_b = world.credit_code["B"]
    answers = []
    for number in (known, unknown):
        class_id = accepted_class(api)
        resp = roster(api, class_id, [["猜的名字", number, unit_b, "", "engineering", "intermediate"]])
        answers.append((resp.status_code, resp.json))
    assert answers[0] == answers[1] == (200, {"added": 1, "unchanged": 0})
    # the same problem text for a row lacking its title, known number or not
    problems = []
    for number in (known, unknown):
        resp = roster(api, accepted_class(api), [["猜的名字", number, unit_b, "", "", ""]])
        problems.append((resp.status_code, resp.json["problems"]))
    assert problems[0] == problems[1] and problems[0][0] == 400
    # an unknown unit, the same
    bogus = factories.credit_code("370203")
    refused = [roster(api, accepted_class(api), [["猜的名字", n, bogus, "", "engineering", "intermediate"]]
                      ).json["problems"] for n in (known, unknown)]
    assert refused[0] == refused[1]


def test_a_new_person_in_another_unit_waits_for_its_reviewer(app, api, clients, world):
    class_id = accepted_class(api)
    with app.app_context():
        from app.models import AuditEntry
        start = db.session.execute(select(func.max(AuditEntry.seq))).scalar()  # SQLite reuses ids
        db.session.remove()
    number = factories.id_number("370203")
    resp = roster(api, class_id, [["新登记学员", number, world.credit_code["B"], "13900000000",
                                   "engineering", "intermediate"]])
    assert resp.status_code == 200 and resp.json["added"] == 1
    (link_id, kind, state, unit_id, person_id), = links_of(app, class_id)
    assert (kind, state, unit_id, person_id) == ("new", "pending", world.unit["B"], None)
    assert not enrolled(app, class_id)  # nobody is enrolled until the unit confirms
    assert person_of(app, number) is None  # nor registered: the link carries the row
    with app.app_context():
        from app.models import AuditEntry
        assert db.session.execute(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.table_name == "roster_link", AuditEntry.record_id == str(link_id),
            AuditEntry.seq > start)).scalar() == 1
        db.session.remove()
    # not in unit B's staff list yet, on the screen and the API
    assert api("unit_reviewer_b", "GET",
               f"/api/v1/person/?q=(filters:!((col:id_number,opr:eq,value:'{number}')))").json["count"] == 0
    # unit B's reviewer was told, and sees the to-do on the home page and the list
    with app.app_context():
        told = db.session.execute(select(func.count()).select_from(Message).where(
            Message.resource == "RosterLink", Message.step == "import_roster",
            Message.user_id == app.appbuilder.sm.find_user(username="unit_reviewer_b").id)).scalar()
        db.session.remove()
    assert told >= 1
    reviewer = clients("unit_reviewer_b")
    assert "花名册待确认记录" in reviewer.get("/").get_data(as_text=True)
    page = reviewer.get("/rosterlinkview/list/").get_data(as_text=True)
    assert "新登记学员" in page and "花名册待确认" in page  # its list, in its menu
    from app.validators import mask_id_number
    assert mask_id_number(number) in page and number not in page  # the roster's number, masked
    assert "新登记学员" not in clients("unit_reviewer").get("/rosterlinkview/list/").get_data(as_text=True)
    # another unit's reviewer and the base get nothing of it, on every path
    assert clients("unit_reviewer").get(f"/rosterlinkview/show/{link_id}").status_code == 404
    assert api("unit_reviewer", "GET", f"/api/v1/roster_link/{link_id}").status_code == 404
    assert api("unit_reviewer", "POST", f"/api/v1/roster_link/{link_id}/step/confirm").status_code == 404
    assert api("base_staff", "GET", f"/api/v1/roster_link/{link_id}").status_code in (403, 404)
    assert api("base_staff", "POST", f"/api/v1/roster_link/{link_id}/step/confirm").status_code in (403, 404)
    assert links_of(app, class_id)[0][2] == "pending"
    # confirmed: the person joins unit B
    with app.app_context():
        from app.models import AuditEntry
        seen = db.session.execute(select(func.max(AuditEntry.seq))).scalar()  # SQLite reuses ids
        db.session.remove()
    resp = api("unit_reviewer_b", "POST", f"/api/v1/roster_link/{link_id}/step/confirm")
    assert resp.status_code == 200 and resp.json["state"] == "confirmed"
    person_id = person_of(app, number)
    assert links_of(app, class_id)[0][4] == person_id is not None
    shown = api("unit_reviewer_b", "GET", f"/api/v1/person/{person_id}")
    assert shown.status_code == 200 and shown.json["result"]["name"] == "新登记学员"
    assert shown.json["result"]["series"] == "engineering" and shown.json["result"]["phone"] == "13900000000"
    assert person_id in enrolled(app, class_id)
    with app.app_context():
        from app.models import AuditEntry
        assert db.session.execute(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.table_name == "person", AuditEntry.record_id == str(person_id),
            AuditEntry.action == "insert", AuditEntry.seq > seen)).scalar() == 1
        db.session.remove()
    assert api("unit_reviewer_b", "POST", f"/api/v1/roster_link/{link_id}/step/confirm").status_code == 409


def test_a_rejected_new_person_is_enrolled_nowhere_and_never_registered(app, api, world):
    class_id = accepted_class(api)
    number = factories.id_number("370203")
    roster(api, class_id, [["不是本单位", number, world.credit_code["B"], "", "engineering", "junior"]])
    (link_id, _, _, _, person_id), = links_of(app, class_id)
    assert person_id is None
    assert api("unit_reviewer_b", "POST", f"/api/v1/roster_link/{link_id}/step/reject",
               json={}).status_code == 400  # a reason is required
    resp = api("unit_reviewer_b", "POST", f"/api/v1/roster_link/{link_id}/step/reject",
               json={"reason": "查无此人"})
    assert resp.status_code == 200 and resp.json["state"] == "rejected"
    assert not enrolled(app, class_id) and person_of(app, number) is None
    # the number stays free: a later roster may register it again
    again = accepted_class(api)
    assert roster(api, again, [["真正的人", number, world.credit_code["B"], "", "engineering",
                                "junior"]]).status_code == 200
    (link_id, *_), = links_of(app, again)
    assert api("unit_reviewer_b", "POST", f"/api/v1/roster_link/{link_id}/step/confirm").status_code == 200
    assert enrolled(app, again) == {person_of(app, number)}


def test_two_rosters_of_one_new_number_make_one_person(app, api, world):
    """Two classes roster the same unknown number: the first confirmation
    registers the person, the second enrols that same person."""
    number = factories.id_number("370203")
    classes = [accepted_class(api) for _ in range(2)]
    for class_id in classes:
        roster(api, class_id, [["同一新人", number, world.credit_code["B"], "", "engineering", "junior"]])
    for class_id in classes:
        (link_id, *_), = links_of(app, class_id)
        assert api("unit_reviewer_b", "POST", f"/api/v1/roster_link/{link_id}/step/confirm").status_code == 200
    person_id = person_of(app, number)
    assert all(enrolled(app, class_id) == {person_id} for class_id in classes)


@pytest.mark.parametrize("step,body,joins", [("confirm", None, True), ("reject", {"reason": "非本人"}, False)])
def test_a_row_with_other_details_is_held_for_the_persons_reviewer(app, api, world, step, body, joins):
    person_id, number = registered_b(app, world)
    class_id = accepted_class(api)
    resp = roster(api, class_id, [["错写的名字", number, world.credit_code["B"], "", "engineering",
                                   "intermediate"]])
    assert resp.status_code == 200
    (link_id, kind, state, unit_id, linked), = links_of(app, class_id)
    assert (kind, state, unit_id, linked) == ("differs", "pending", world.unit["B"], person_id)
    assert person_id not in enrolled(app, class_id)  # nobody gets hours on a name that differs
    again = roster(api, class_id, [["错写的名字", number, world.credit_code["B"], "", "engineering",
                                    "intermediate"]])
    assert again.json == {"added": 0, "unchanged": 1}  # as an enrolled row answers
    resp = api("unit_reviewer_b", "POST", f"/api/v1/roster_link/{link_id}/step/{step}", json=body)
    assert resp.status_code == 200, resp.json
    assert (person_id in enrolled(app, class_id)) is joins


def test_a_unit_organiser_still_checks_its_own_people_by_name(api, world):
    """Its own registered people it sees anyway: a wrong name is refused at once."""
    class_id = accepted_class(api, "unit_reviewer")
    resp = roster(api, class_id, [["张冠李戴", world.id_number["A"], world.credit_code["A"], "", "", ""]],
                  role="unit_reviewer")
    assert resp.status_code == 400 and resp.json["problems"][0]["column"] == "姓名"


def test_the_association_is_told_when_a_login_crosses_the_threshold(make_app, world):
    """Crossing the day's not-found/mismatch threshold writes each association
    login a message, and stops the login's checks for the day."""
    from app.services import accounts, audit
    from tests.conftest import PASSWORD, api_login

    limited = make_app(XUESHI_LOOKUP_NOT_FOUND_PER_DAY=2)
    name = f"threshold_{factories.id_number()[-6:]}"
    with limited.app_context(), audit.acting_as("tests"):
        accounts.create_user(limited.appbuilder, username=name, password=PASSWORD,
                             role="district_officer", targets={"district": "370202"})
        db.session.commit()
        db.session.remove()
    client = limited.test_client()
    token = api_login(limited, client, name).json["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    for _ in range(2):
        client.post("/api/v1/eligibility/check", headers=headers,
                    json={"id_number": world.id_number["B"], "year": 2026})
    stopped = client.post("/api/v1/eligibility/check", headers=headers,
                          json={"id_number": world.id_number["A"], "year": 2026})
    assert stopped.status_code == 429
    with limited.app_context():
        admin = limited.appbuilder.sm.find_user(username="association_admin")
        told = db.session.execute(select(Message).where(
            Message.user_id == admin.id, Message.resource == "LookupAlert")).scalars().all()
        assert any(name in m.subject for m in told)
        db.session.remove()


def test_an_unknown_number_and_a_wrong_name_count_alike_towards_the_threshold(app, api, world):
    """The attack: count how many rows a base may upload before its checks stop.
    Before, a registered number with a wrong name counted towards the day's
    not-found/mismatch threshold and a number nobody has did not, so the
    counter told "registered elsewhere" from "nobody". Now both count, one
    each, refused roster or not."""
    from app.models import IdLookup

    _, known = registered_b(app, world, name="丙单位学员")
    code = world.credit_code["B"]
    counted = []
    for title in ("intermediate", ""):  # a roster that passes, and one refused for a missing title
        for number in (known, factories.id_number("370203")):
            roster(api, accepted_class(api), [["猜的名字", number, code, "", "engineering", title]])
            with app.app_context():
                counted.append(db.session.execute(select(IdLookup.not_found).where(
                    IdLookup.kind == "roster").order_by(IdLookup.id.desc()).limit(1)).scalar_one())
                db.session.remove()
    assert counted == [1, 1, 1, 1]


def test_a_roster_writes_in_bulk_and_audits_every_row_on_a_valid_chain(app, api, world):
    """New people, enrolments and links go in one statement per chunk, each row
    still its own audit entry, and the chain verifies."""
    from app.models import AuditEntry
    from app.services import audit

    class_id = accepted_class(api)
    rows = [[f"批量学员{n}", factories.id_number("370203"), world.credit_code["B"], "", "engineering",
             "intermediate"] for n in range(3)]
    assert roster(api, class_id, rows).json == {"added": 3, "unchanged": 0}
    own = accepted_class(api, "unit_reviewer")
    with app.app_context():  # people the unit sees are enrolled at once
        staff = [Person(id_number=factories.id_number("370202"), name=f"本单位批量{n}", unit_id=world.unit["A"],
                        series="engineering", title_level="junior") for n in range(3)]
        db.session.add_all(staff)
        db.session.commit()
        mine = [[p.name, p.id_number, world.credit_code["A"], "", "", ""] for p in staff]
        db.session.remove()
    assert roster(api, own, mine, role="unit_reviewer").json == {"added": 3, "unchanged": 0}
    with app.app_context():
        enrolments = db.session.execute(select(Enrolment.id, Enrolment.person_id).where(
            Enrolment.class_id == own)).all()
        waiting = db.session.execute(select(RosterLink.id, RosterLink.person_id).where(
            RosterLink.class_id == class_id)).all()
        audited = set(db.session.execute(select(AuditEntry.table_name, AuditEntry.record_id).where(
            AuditEntry.action == "insert")).all())
        assert len(enrolments) == len(waiting) == 3
        for (enrolment_id, person_id), (link_id, new_id) in zip(enrolments, waiting):
            assert new_id is None  # the new people are created when their unit confirms
            assert {("enrolment", str(enrolment_id)), ("roster_link", str(link_id))} <= audited
        assert audit.verify(db.session).ok
        db.session.remove()


def test_a_roster_runs_the_same_statements_for_many_rows_as_for_few(app, api, world):
    """Enrolments, links and their audit entries go in one statement per chunk
    on either database (SQLite included, whose batches come back in no set
    order): 2 rows and 24 run as many statements, and each row's entry names
    its own row, in the roster's order."""
    import json

    from app.models import AuditEntry
    from tests.plans import statements

    def mixed(n):  # half the unit's own staff (enrolled), half new numbers of unit B (links)
        with app.app_context():
            staff = [Person(id_number=factories.id_number("370202"), name=f"语句本单位{n}-{i}",
                            unit_id=world.unit["A"], series="engineering", title_level="junior")
                     for i in range(n)]
            db.session.add_all(staff)
            db.session.commit()
            rows = [[p.name, p.id_number, world.credit_code["A"], "", "", ""] for p in staff]
            db.session.remove()
        return rows + [[f"语句外单位{n}-{i}", factories.id_number("370203"), world.credit_code["B"], "",
                        "engineering", "intermediate"] for i in range(n)]

    counts, classes = [], []
    for n in (1, 12):
        rows, class_id = mixed(n), accepted_class(api, "unit_reviewer")
        with statements(app) as seen:
            assert roster(api, class_id, rows, role="unit_reviewer").json == {"added": 2 * n, "unchanged": 0}
        counts.append(len(seen))
        classes.append((class_id, rows))
    assert counts[0] == counts[1]
    class_id, rows = classes[1]
    with app.app_context():
        numbers = {p.id: p.id_number for p in db.session.execute(select(Person)).scalars()}
        written = [(("enrolment", e.id), numbers[e.person_id]) for e in db.session.execute(
            select(Enrolment).where(Enrolment.class_id == class_id).order_by(Enrolment.id)).scalars()]
        written += [(("roster_link", link.id), link.id_number) for link in db.session.execute(
            select(RosterLink).where(RosterLink.class_id == class_id).order_by(RosterLink.id)).scalars()]
        assert [number for _, number in written] == [row[1] for row in rows]  # ids in the rows' order
        entries = {(e.table_name, int(e.record_id)): (e.seq, json.loads(e.after)) for e in db.session.execute(
            select(AuditEntry).where(AuditEntry.action == "insert",
                                     AuditEntry.table_name.in_(["enrolment", "roster_link"]))).scalars()}
        found = [entries[key] for key, _ in written]
        assert [seq for seq, _ in found] == sorted(seq for seq, _ in found)  # audited in the same order
        assert [after["id"] for _, after in found] == [key[1] for key, _ in written]
        assert [after["name"] for _, after in found[len(rows) // 2:]] == [row[0] for row in rows[len(rows) // 2:]]
        db.session.remove()


def organiser_view(api, clients, role, class_id, number, typed, credit_code):
    """Everything an organiser sees of its class after rostering `number`: the
    participant list, the attendance template, the enrolments, a second
    roster of the same row (its answer and problem report) and an attendance
    upload, with the row's masked number and the class's links written as
    placeholders."""
    import re

    from openpyxl import load_workbook

    from app.validators import mask_id_number

    client = clients(role)

    def plain(text):
        text = re.sub(r'(href|nonce)="[^"]*"', "", text.replace(mask_id_number(number), "<number>"))
        return re.sub(r"/reports?/[\w/-]+", "/report/<link>", text)

    page = client.get(f"/trainingclassview/show/{class_id}").get_data(as_text=True)
    participants = re.search(r"<h4>参训人员.*?(?=<h4|\Z)", page, re.S).group(0)
    participants = re.sub(r'<form.*?</form>|<input[^>]*>', "", participants, flags=re.S)
    book = load_workbook(io.BytesIO(client.get(f"/trainingclassview/attendance-template/{class_id}").data))
    sheet = [list(r) for r in book.active.iter_rows(values_only=True)]
    enrolments = [e for e in api(role, "GET", "/api/v1/enrolment/?q=(page_size:100)").json["result"]
                  if e["training_class"]["id"] == class_id]
    twice = [[typed, number, credit_code, "", "engineering", "intermediate"]] * 2
    again = roster(api, class_id, twice, role=role)
    refused = client.post(f"/trainingclassview/roster/{class_id}",
                          data={"file": (io.BytesIO(xlsx(ROSTER, twice)), "roster.xlsx")},
                          content_type="multipart/form-data", follow_redirects=True).get_data(as_text=True)
    link = re.search(rf"/trainingclassview/problems/{class_id}/[0-9a-f]{{104}}", refused).group(0)
    with client.get(link) as resp:
        problems = [list(r) for r in load_workbook(io.BytesIO(resp.data)).active.iter_rows(values_only=True)]
    hours = upload(api, role, f"/api/v1/training_class/{class_id}/attendance",
                   xlsx(["身份证号", "姓名", "2026-09-01"], [[number, typed, 8]]))
    return plain(repr((participants, sheet, enrolments, again.status_code, again.json, problems,
                       hours.status_code, hours.json)))


def test_the_base_cannot_tell_which_rows_the_registry_matched(app, api, clients, world):
    """The attack: a base rosters, each in its own class, an unknown number in
    another organisation's unit, a registered number with its right details,
    and a registered number with a wrong name, then compares everything it can
    see. Before, the right one was enrolled at once, the unknown one enrolled
    as a new person, the wrong one held out of the participant list. Now each
    is one row 待单位确认 with the name and number masked, before and after the
    unit's reviewer rejects it; nobody is enrolled until confirmed."""
    typed = "王小五"
    _, right = registered_b(app, world, name=typed)
    _, wrong = registered_b(app, world, name="赵小六")
    unknown = factories.id_number("370203")
    code = world.credit_code["B"]

    def seen(class_id, number):
        links = api("base_staff", "GET", "/api/v1/roster_link/").status_code
        return organiser_view(api, clients, "base_staff", class_id, number, typed, code), links

    classes, answers = {}, []
    for number in (unknown, right, wrong):
        class_id = accepted_class(api)
        resp = roster(api, class_id, [[typed, number, code, "13900000000", "engineering",
                                       "intermediate"]])
        answers.append((resp.status_code, resp.json))
        classes[number] = class_id
    assert answers == [(200, {"added": 1, "unchanged": 0})] * 3
    views = [seen(classes[n], n) for n in (unknown, right, wrong)]
    assert views[0] == views[1] == views[2]
    assert "待单位确认" in views[0][0] and "王*五" in views[0][0] and typed not in views[0][0]
    assert all(not enrolled(app, class_id) for class_id in classes.values())
    # the unit's reviewer rejects each: the same neutral outcome for the base
    for class_id in classes.values():
        (link_id, *_), = links_of(app, class_id)
        assert api("unit_reviewer_b", "POST", f"/api/v1/roster_link/{link_id}/step/reject",
                   json={"reason": "非本单位"}).status_code == 200
    views = [seen(classes[n], n) for n in (unknown, right, wrong)]
    assert views[0] == views[1] == views[2] and "单位未确认" in views[0][0]
    assert all(not enrolled(app, class_id) for class_id in classes.values())


def test_an_organiser_that_is_a_unit_cannot_tell_a_number_elsewhere_from_none(app, api, clients, world):
    """The attack: a unit organises a class and rosters, each in its own class,
    under its own unit, a number nobody has, a number registered in another
    unit with the same name and one with another name. Before, the unknown
    number was registered and enrolled at once while the others waited
    masked, so the answer told "exists elsewhere" from "does not exist". Now
    every row naming a person it may not see waits 待单位确认 alike: the
    answer, the problem report, the class's lists, the counts."""
    typed = "孙小七"
    _, right = registered_b(app, world, name=typed)
    _, wrong = registered_b(app, world, name="钱小八")
    unknown = factories.id_number("370203")
    code = world.credit_code["A"]
    classes, answers = {}, []
    for number in (unknown, right, wrong):
        class_id = accepted_class(api, "unit_reviewer")
        resp = roster(api, class_id, [[typed, number, code, "13900000000", "engineering",
                                       "intermediate"]], role="unit_reviewer")
        answers.append((resp.status_code, resp.json))
        classes[number] = class_id
    assert answers == [(200, {"added": 1, "unchanged": 0})] * 3
    views = [organiser_view(api, clients, "unit_reviewer", classes[n], n, typed, code)
             for n in (unknown, right, wrong)]
    assert views[0] == views[1] == views[2]
    assert "待单位确认" in views[0] and typed not in views[0]
    assert all(not enrolled(app, class_id) for class_id in classes.values())
    # the unit's staff list does not grow by the unknown one until it is confirmed
    found = api("unit_reviewer", "GET",
                f"/api/v1/person/?q=(filters:!((col:id_number,opr:eq,value:'{unknown}')))")
    assert found.json["count"] == 0


def test_the_links_api_gives_times_with_their_offset(app, api, world):
    """Found by fuzzing the roster-link operations: on SQLite a list answered
    `created_at` without an offset, which the document's date-time forbids."""
    from datetime import datetime

    roster(api, accepted_class(api), [["时区学员", factories.id_number("370203"), world.credit_code["B"], "",
                                       "engineering", "intermediate"]])
    rows = api("unit_reviewer_b", "GET", "/api/v1/roster_link/").json["result"]
    assert rows and all(datetime.fromisoformat(r["created_at"]).tzinfo is not None for r in rows)
    one = api("unit_reviewer_b", "GET", f"/api/v1/roster_link/{rows[0]['id']}").json["result"]
    assert datetime.fromisoformat(one["created_at"]).tzinfo is not None


def _roster_messages(app) -> dict:
    """How many roster messages each of three logins has."""
    with app.app_context():
        out = {name: db.session.execute(select(func.count()).select_from(Message).where(
            Message.resource == "RosterLink", Message.step == "import_roster",
            Message.user_id == app.appbuilder.sm.find_user(username=name).id)).scalar()
            for name in ("association_admin", "unit_reviewer", "unit_reviewer_b")}
        db.session.remove()
    return out


def test_a_units_own_roster_leaves_its_new_people_to_the_association(app, api, clients, world):
    """A unit's reviewer rostering a number nobody has into its own unit would,
    confirming it itself, see in its own list which numbers nobody has (issue
    14): that link waits for the association; one registered in another unit
    waits for that unit; the organising unit's list and messages hold neither."""
    class_id = accepted_class(api, "unit_reviewer")
    fresh = factories.id_number("370203")
    _, held = registered_b(app, world, "外单位学员")
    before = _roster_messages(app)
    resp = roster(api, class_id, [["自办新学员", fresh, world.credit_code["A"], "", "engineering", "junior"],
                                  ["外单位学员", held, world.credit_code["A"], "", "engineering", "junior"]],
                  role="unit_reviewer")
    assert resp.status_code == 200 and resp.json["added"] == 2
    new_link, moved_link = links_of(app, class_id)
    assert new_link[1:4] == ("new", "pending", world.unit["A"])
    own = api("unit_reviewer", "GET", "/api/v1/roster_link/").json
    assert new_link[0] not in own["ids"] and moved_link[0] not in own["ids"]
    assert api("unit_reviewer", "GET", f"/api/v1/roster_link/{new_link[0]}").status_code == 404
    assert "自办新学员" not in clients("unit_reviewer").get("/rosterlinkview/list/").get_data(as_text=True)
    after = _roster_messages(app)
    told = {name: after[name] - before[name] for name in after}
    assert told == {"association_admin": 1, "unit_reviewer": 0, "unit_reviewer_b": 1}
    # the unit's reviewer cannot decide it; the association can, and only this kind
    assert api("association_admin", "POST", f"/api/v1/roster_link/{moved_link[0]}/step/confirm").status_code == 403
    resp = api("association_admin", "POST", f"/api/v1/roster_link/{new_link[0]}/step/confirm")
    assert resp.status_code == 200, resp.json
    person_id = person_of(app, fresh)
    assert person_id in enrolled(app, class_id)
    assert api("unit_reviewer", "GET", f"/api/v1/person/{person_id}").json["result"]["name"] == "自办新学员"
