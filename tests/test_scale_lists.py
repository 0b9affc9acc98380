"""City-scale lists: nothing a list, search or form page does reads rows in
proportion to the city. Every SELECT on a table that grows with the city is
LIMIT-ed or a lookup by key; counts stop at a cap; pages and sorts are bounded;
relations are searched as you type; the offered filters have their indexes."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select, text

from app.extensions import db
from app.models import Claim, Ledger, Person
from tests.plans import statements

BIG_TABLES = ("person", "unit", "activity", "claim", "ledger", "enrolment", "certificate",
              "audit_entry")
_FROM = re.compile(r"\b(?:FROM|JOIN)\s+(\w+)", re.I)
# by primary or unique key: one row per value asked for
_KEY_LOOKUP = re.compile(
    r"WHERE\s+\(?\s*(\w+)\.(?:id|user_id|id_number|credit_code)\s*(?:=|IN\s*\()", re.I)


def unbounded(sql_list: list[str]) -> list[str]:
    """SELECTs reading a big table with neither a LIMIT nor a key lookup."""
    bad = []
    for sql in sql_list:
        flat = " ".join(sql.split())
        if not flat.upper().startswith("SELECT"):
            continue
        tables = {t.lower() for t in _FROM.findall(flat)}
        if not tables & set(BIG_TABLES):
            continue
        if " LIMIT " in flat.upper() or _KEY_LOOKUP.search(flat):
            continue
        bad.append(flat)
    return bad


def _list_views(app):
    from app.views.base import ScopedModelView

    return [v for v in app.appbuilder.baseviews if isinstance(v, ScopedModelView)]


@pytest.mark.parametrize("key", ["association_admin", "district_officer", "unit_reviewer"])
def test_no_list_or_form_page_reads_a_big_table_without_limit(app, clients, key):
    client = clients(key)
    pages = []
    for view in _list_views(app):
        base = f"/{view.route_base.strip('/')}"
        pages += [f"{base}/list/", f"{base}/add"]
    with statements(app) as seen:
        answered = {}
        for url in pages:
            before = len(seen)
            status = client.get(url).status_code
            answered[url] = status
            assert status in (200, 302, 403, 404), (url, status)
            assert not unbounded(seen[before:]), (url, unbounded(seen[before:]))
    assert sum(1 for s in answered.values() if s == 200) >= 5, answered


def test_list_counts_stop_at_the_cap(app, clients, monkeypatch):
    from app.views import lists

    monkeypatch.setattr(lists, "COUNT_CAP", 1)
    monkeypatch.setattr(lists, "MAX_ROWS", 7)
    with app.app_context():
        postgres = db.engine.dialect.name == "postgresql"
    page = clients("association_admin").get("/personview/list/").get_data(as_text=True)
    if postgres:  # the planner's estimate, said to be one
        assert "(估算)" in page and "约" in page
    else:  # the rows counted, not the depth pages reach
        assert "超过 1 条" in page


def test_list_count_is_exact_under_the_cap(ctx):
    from app.views.lists import capped_count

    query = db.session.query(Person)
    assert int(capped_count(query)) == db.session.execute(
        select(db.func.count()).select_from(Person)).scalar()


def test_sort_page_size_and_depth_are_bounded(clients):
    client = clients("association_admin")
    resp = client.get("/personview/list/?_oc_PersonView=phone&_od_PersonView=asc")
    assert resp.status_code == 400 and "排序" in resp.get_data(as_text=True)
    assert client.get("/personview/list/?_oc_PersonView=name&_od_PersonView=asc").status_code == 200
    assert client.get("/personview/list/?psize_PersonView=100000").status_code == 200
    deep = client.get("/personview/list/?page_PersonView=100000")
    assert deep.status_code == 400 and "筛选" in deep.get_data(as_text=True)


def test_every_offered_sort_is_indexed(app):
    from app.views.base import ScopedModelRestApi
    from app.views.lists import indexed

    for view in app.appbuilder.baseviews:
        if isinstance(view, ScopedModelRestApi) or view in _list_views(app):
            for column in view.order_columns:
                assert indexed(view.datamodel.obj, column), (type(view).__name__, column)


def _ledger(app, person_id: int, compliant: bool) -> int:
    with app.app_context():
        ledger = Ledger(person_id=person_id, year=2019, in_scope=True, public=0, professional=0,
                        total=0, compliant=compliant, shortfall_public=30,
                        shortfall_professional=60, items=[], digest="x")
        db.session.add(ledger)
        db.session.commit()
        return ledger.id


def test_compliant_filter_answers_yes_and_no_on_screen_and_api(app, clients, api, world):
    ledger_id = _ledger(app, world.person["A"], False)
    try:
        client = clients("association_admin")
        for value, expected in (("n", True), ("y", False)):
            resp = client.get(f"/ledgerview/list/?_flt_0_compliant={value}&_flt_0_year=2019")
            assert resp.status_code == 200
            assert (f"/ledgerview/show/{ledger_id}" in resp.get_data(as_text=True)) is expected
        nonsense = client.get("/ledgerview/list/?_flt_0_compliant=maybe")
        assert nonsense.status_code == 200
        q = "(filters:!((col:compliant,opr:eq,value:!f),(col:year,opr:eq,value:2019)))"
        found = api("association_admin", "GET", f"/api/v1/ledger/?q={q}")
        assert found.status_code == 200 and found.json["ids"] == [ledger_id]
    finally:
        with app.app_context():
            db.session.execute(Ledger.__table__.delete().where(Ledger.id == ledger_id))
            db.session.commit()


def test_reviewer_arrives_at_the_claims_waiting_for_review(clients):
    resp = clients("unit_reviewer").get("/claimview/list/")
    assert resp.status_code == 302 and "_state=submitted" in resp.headers["Location"]
    again = clients("unit_reviewer").get("/claimview/list/", headers={
        "Referer": "http://localhost/claimview/list/?_flt_3_state=submitted"})
    assert again.status_code == 200  # the filter removed on the page: every claim
    assert clients("district_officer").get("/claimview/list/").status_code == 200


def test_lookup_answers_twenty_rows_in_scope_masked_for_the_viewer(app, clients, world):
    officer = clients("district_officer")
    found = officer.get("/lookup/person/", query_string={"q": "测试人员"}).json["results"]
    assert [r["id"] for r in found] == [world.person["A"]]
    assert world.id_number["A"] not in found[0]["text"] and "*" in found[0]["text"]
    by_number = officer.get("/lookup/person/", query_string={"q": world.id_number["A"]}).json
    assert [r["id"] for r in by_number["results"]] == [world.person["A"]]
    outside = officer.get("/lookup/person/", query_string={"q": world.id_number["B"]}).json
    assert outside["results"] == []
    prefix = officer.get("/lookup/person/", query_string={"q": world.id_number["A"][:10]}).json
    assert prefix["results"] == []  # no digit-by-digit search of ID numbers
    admin = clients("association_admin").get("/lookup/person/", query_string={"q": "测"}).json
    assert len(admin["results"]) <= 20
    assert clients("association_admin").get("/lookup/nothing/?q=x").status_code == 404


def test_search_form_keeps_the_chosen_person(clients, world):
    page = clients("association_admin").get(
        f"/claimview/list/?_flt_0_person={world.person['A']}").get_data(as_text=True)
    # the search form's fields travel as JSON to FAB's filter script
    assert f'value=\\"{world.person["A"]}\\" selected' in page


def test_claim_for_a_person_outside_the_scope_is_refused(clients, world, app):
    with app.app_context():
        before = db.session.execute(select(db.func.count()).select_from(Claim)).scalar()
    resp = clients("unit_reviewer").post("/claimview/new/achievement", data={
        "person": world.person["B"], "title": "越权", "category": "professional"})
    assert resp.status_code == 200
    with app.app_context():
        assert db.session.execute(select(db.func.count()).select_from(Claim)).scalar() == before


def _plan(sql: str, params: dict) -> str:
    """The plan of `sql` when an index can serve it (PostgreSQL: sequential scans
    and sorts priced out, since on tiny test tables either is as cheap as an index;
    SQLite: its query plan)."""
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("SET LOCAL enable_seqscan = off"))
        db.session.execute(text("SET LOCAL enable_sort = off"))
        return "\n".join(db.session.execute(text("EXPLAIN " + sql), params).scalars())
    return "\n".join(str(r[-1]) for r in db.session.execute(text("EXPLAIN QUERY PLAN " + sql), params))


@pytest.mark.parametrize("sql, index", [
    ("SELECT id FROM claim WHERE state = :v ORDER BY id DESC LIMIT 25", "ix_claim_state_id"),
    ("SELECT id FROM ledger WHERE compliant = :f ORDER BY id DESC LIMIT 25",
     "ix_ledger_compliant_id"),
    ("SELECT id FROM person ORDER BY name LIMIT 20", "ix_person_name"),
    ("SELECT id FROM unit ORDER BY name LIMIT 25", "ix_unit_name"),
    ("SELECT id FROM certificate WHERE revoked = :f ORDER BY id DESC LIMIT 25",
     "ix_certificate_revoked_id"),
    ("SELECT id FROM training_class WHERE start_date >= :d ORDER BY start_date LIMIT 25",
     "ix_training_class_start_date"),
    # a district officer's ledgers (scope by the ledger's district), and 是否达标 in the district
    # (on tiny test tables PostgreSQL may take either district index for the first)
    ("SELECT id FROM ledger WHERE district_id = :n ORDER BY id DESC LIMIT 25",
     ("ix_ledger_district_id_id", "ix_ledger_district_compliant_id")),
    ("SELECT id FROM ledger WHERE district_id = :n AND compliant = :f ORDER BY id DESC LIMIT 25",
     "ix_ledger_district_compliant_id"),
    ("SELECT id FROM ledger WHERE unit_id = :n ORDER BY id DESC LIMIT 25", "ix_ledger_unit_id_id"),
    # claims, participants and certificates carry their person's district and unit (placement.py)
    ("SELECT id FROM claim WHERE district_id = :n ORDER BY id DESC LIMIT 25",
     ("ix_claim_district_id_id", "ix_claim_district_state_id")),
    # (on tiny test tables PostgreSQL may take the district's index and filter the state)
    ("SELECT id FROM claim WHERE district_id = :n AND state = :v ORDER BY id DESC LIMIT 25",
     ("ix_claim_district_state_id", "ix_claim_district_id_id")),
    ("SELECT id FROM claim WHERE unit_id = :n ORDER BY id DESC LIMIT 25",
     ("ix_claim_unit_id_id", "ix_claim_unit_state_id")),
    ("SELECT id FROM claim WHERE unit_id = :n AND state = :v ORDER BY id DESC LIMIT 25",
     "ix_claim_unit_state_id"),
    ("SELECT id FROM enrolment WHERE district_id = :n ORDER BY id DESC LIMIT 25",
     "ix_enrolment_district_id_id"),
    ("SELECT id FROM enrolment WHERE unit_id = :n ORDER BY id DESC LIMIT 25", "ix_enrolment_unit_id_id"),
    ("SELECT id FROM certificate WHERE district_id = :n ORDER BY id DESC LIMIT 25",
     ("ix_certificate_district_id_id", "ix_certificate_district_revoked_id")),
    # (on tiny test tables PostgreSQL may take the district's index and filter 已撤销)
    ("SELECT id FROM certificate WHERE district_id = :n AND revoked = :f ORDER BY id DESC LIMIT 25",
     ("ix_certificate_district_revoked_id", "ix_certificate_district_id_id")),
    ("SELECT id FROM certificate WHERE unit_id = :n ORDER BY id DESC LIMIT 25",
     "ix_certificate_unit_id_id"),
    # the persons list (default sort: id) with the series filter, and a district officer's, with
    # and without it (the person carries their unit's district, placement.py), and by name
    ("SELECT id FROM person WHERE series = :s ORDER BY id LIMIT 20", "ix_person_series_id"),
    ("SELECT id FROM person WHERE district_id = :n ORDER BY id LIMIT 20",
     ("ix_person_district_id_unit", "ix_person_district_series_unit")),
    ("SELECT id FROM person WHERE district_id = :n AND series = :s ORDER BY id LIMIT 20",
     ("ix_person_district_series_unit", "ix_person_district_id_unit")),
    ("SELECT id FROM person WHERE district_id = :n ORDER BY name LIMIT 20", "ix_person_district_name"),
    # a district's classes: those with a participant of the district, probed class by class
    # (or, on tiny test tables, the district's participants first)
    ("SELECT id FROM training_class t WHERE EXISTS (SELECT 1 FROM enrolment e WHERE e.class_id = t.id "
     "AND e.district_id = :n) ORDER BY id DESC LIMIT 25",
     ("ix_enrolment_class_district", "ix_enrolment_district_id_id")),
])
def test_the_offered_filters_and_sorts_use_their_indexes(ctx, sql, index):
    from datetime import date

    plan = _plan(sql, {"v": "submitted", "f": False, "d": date(2026, 1, 1), "n": 1, "s": "engineering"})
    assert any(name in plan for name in ((index,) if isinstance(index, str) else index)), plan


_PLACED_COUNT = ("SELECT count(*) FROM (SELECT t.id FROM {table} t WHERE {where} AND NOT EXISTS ("
                 "SELECT 1 FROM roster_link r WHERE r.person_id = t.person_id AND r.unit_id = t.unit_id "
                 "AND r.kind = 'new' AND r.state != 'confirmed') LIMIT 1001) AS counted")


@pytest.mark.parametrize("table, where, index", [
    ("claim", "t.district_id = :n AND t.state = :v", "ix_claim_district_state_id"),
    ("claim", "t.unit_id = :n AND t.state = :v", "ix_claim_unit_state_id"),
    ("enrolment", "t.district_id = :n", "ix_enrolment_district_id_id"),
    ("certificate", "t.district_id = :n AND t.revoked = :f", "ix_certificate_district_revoked_id"),
    ("ledger", "t.district_id = :n AND t.compliant = :f", "ix_ledger_district_compliant_id"),
    ("ledger", "t.unit_id = :n", "ix_ledger_unit_id_id"),
])
def test_a_district_or_unit_count_reads_its_index_alone(ctx, table, where, index):
    """A district's (a unit's) rows are counted with their 待确认 check from the index,
    which carries the person and the unit: no table row is read per counted row.
    SQLite's planner says so of the count; PostgreSQL's, on these tiny tables, takes
    any index, so there the index is checked to hold every column the count reads
    (at a million people it answers the count by an index-only scan: migration 0032)."""
    if db.engine.dialect.name == "postgresql":
        columns = db.session.execute(text(
            "SELECT a.attname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) "
            "WHERE c.relname = :index"), {"index": index}).scalars().all()
        read = set(re.findall(r"\bt\.(\w+)", _PLACED_COUNT.format(table=table, where=where)))
        assert read <= set(columns), (index, columns, read)
    else:
        plan = _plan(_PLACED_COUNT.format(table=table, where=where), {"v": "submitted", "f": False, "n": 1})
        assert f"COVERING INDEX {index}" in plan, plan


@pytest.mark.parametrize("key", ["association_admin", "district_officer"])
def test_a_screen_reads_the_permissions_once(app, clients, key):
    """FAB checks every menu entry and button; the grants are read once per request."""
    client = clients(key)
    for url in ("/", "/ledgerview/list/", "/claimview/list/"):
        client.get(url)
        with statements(app) as seen:
            assert client.get(url).status_code == 200
        permission_reads = [s for s in seen if "ab_permission_view" in s]
        assert len(permission_reads) <= 2, (url, len(permission_reads))


def test_the_association_reads_person_linked_lists_without_a_scope_subquery(app, clients):
    client = clients("association_admin")
    with statements(app) as seen:
        assert client.get("/ledgerview/list/").status_code == 200
        assert client.get("/claimview/list/").status_code == 200
    lists = [" ".join(s.split()) for s in seen if re.search(r"FROM (ledger|claim)\b", s)]
    assert lists and not [s for s in lists if "IN (SELECT person.id" in s], lists


@pytest.mark.parametrize("key", ["district_officer", "unit_reviewer"])
def test_a_district_or_unit_reads_its_lists_by_their_own_columns(app, clients, key):
    """Claims, participants, certificates, ledgers (and a district's classes) are scoped
    by the row's own district or unit (app/services/placement.py), not by a subquery
    over every person of the district."""
    client = clients(key)
    urls = ["/claimview/list/", "/enrolmentview/list/", "/certificateview/list/", "/ledgerview/list/",
            "/trainingclassview/list/", "/personview/list/"]
    with statements(app) as seen:
        for url in urls:
            assert client.get(url, follow_redirects=True).status_code == 200, url
    lists = [" ".join(s.split()) for s in seen
             if re.search(r"FROM (claim|enrolment|certificate|ledger|training_class|person)\b", s)]
    assert lists and not [s for s in lists if "IN (SELECT person.id" in s], lists
    assert not [s for s in lists if "IN (SELECT unit.id" in s and key == "district_officer"], lists
    column = "district_id" if key == "district_officer" else "unit_id"
    for table in ("claim", "enrolment", "certificate", "ledger", "person")[:4 + (key == "district_officer")]:
        assert any(f"{table}.{column} = " in s for s in lists), (table, lists)


def test_the_persons_list_reads_the_units_and_their_districts_once(app, clients):
    """The page shows each person's unit and its district: one query for the
    units, one for their districts, whatever the number of units shown."""
    client = clients("association_admin")
    client.get("/personview/list/")
    with statements(app) as seen:
        page = client.get("/personview/list/")
    assert page.status_code == 200
    reads = [" ".join(s.split()) for s in seen if s.lstrip().upper().startswith("SELECT")]
    assert len([s for s in reads if re.search(r"FROM district\b", s)]) == 1, reads
    assert len([s for s in reads if re.search(r"FROM unit\b", s)]) == 1, reads


@pytest.mark.parametrize("key", ["association_admin", "district_officer"])
def test_a_list_counts_its_rows_by_their_keys_alone(app, clients, key):
    """The capped count reads only the primary key (and what the scope and filter
    ask): an index answers it without fetching every counted row."""
    client = clients(key)
    with statements(app) as seen:
        assert client.get("/personview/list/?_flt_0_series=engineering").status_code == 200
    counts = [s for s in seen if s.upper().startswith("SELECT COUNT(*)") and "FROM person" in s]
    assert counts and all(re.search(r"FROM \(SELECT person\.id AS person_id FROM person\b", s)
                          for s in counts), counts


@pytest.mark.parametrize("key,expected", [("association_admin", 2), ("district_officer", 1)])
def test_an_api_list_counts_its_rows_without_the_pages_joins(app, api, world, key, expected):
    """The API's page shows person.name, unit.name…, outer joins of many-to-one:
    they add no row, so its count reads the ledger's keys alone (not a join per
    counted row), and the count is the rows the filter selects in the scope."""
    made = [_ledger(app, world.person[side], False) for side in ("A", "B")]
    with app.app_context():  # placed as the ledger service places them (the person's unit)
        for ledger_id in made:
            ledger = db.session.get(Ledger, ledger_id)
            ledger.unit_id, ledger.district_id = ledger.person.unit_id, ledger.person.district_id
        db.session.commit()
    try:
        q = "?q=(filters:!((col:compliant,opr:eq,value:!f),(col:year,opr:eq,value:2019)))"
        with statements(app) as seen:
            resp = api(key, "GET", "/api/v1/ledger/" + q)
        assert resp.status_code == 200, resp.get_json()
        assert resp.json["count"] == expected == len(resp.json["ids"])
        counts = [" ".join(s.split()) for s in seen if s.upper().startswith("SELECT COUNT(*)")]
        assert counts and all(re.search(r"FROM \(SELECT ledger\.id AS ledger_id FROM ledger WHERE", s)
                              and " JOIN " not in s for s in counts), counts
    finally:
        with app.app_context():
            db.session.execute(Ledger.__table__.delete().where(Ledger.id.in_(made)))
            db.session.commit()


@pytest.mark.parametrize("order", [",order_column:id,order_direction:asc", ",order_column:name,order_direction:desc"])
def test_a_deep_page_reads_its_keys_first_and_holds_the_same_rows(app, api, world, monkeypatch, order):
    """Past DEFERRED_FROM rows a page finds its keys from the index, then reads its
    rows by key: the same rows, in the same order, as reading and skipping them."""
    from sqlalchemy import delete, select

    from app.models import Person
    from app.services import audit
    from app.views import lists
    from tests import factories

    monkeypatch.setattr(lists, "DEFERRED_FROM", 1)
    with app.app_context(), audit.acting_as("tests:deep-page"):
        for n in "丙甲戊乙丁":
            db.session.add(Person(id_number=factories.id_number("370202"), name=f"翻页{n}",
                                  unit_id=world.unit["A"], series="engineering", title_level="junior"))
        db.session.commit()
        sort = (Person.name.desc(), Person.id) if "name" in order else (Person.id,)
        every = db.session.execute(select(Person.id).order_by(*sort)).scalars().all()
        db.session.remove()
    try:
        for page in (1, 2):
            with statements(app) as seen:
                resp = api("association_admin", "GET", f"/api/v1/person/?q=(page:{page},page_size:2{order})")
            assert resp.status_code == 200, resp.get_json()
            assert resp.json["ids"] == every[page * 2:page * 2 + 2]
            assert any(re.search(r"person\.id IN \(SELECT", " ".join(s.split())) for s in seen), seen
    finally:
        with app.app_context():
            db.session.execute(delete(Person).where(Person.name.like("翻页%")))
            db.session.commit()


def test_every_api_list_pages_in_a_defined_order(app, api, world):
    """An API list asked for no order is in key order: without an ORDER BY, a
    client paging through a changing table could see a row twice and another never."""
    from app.views.base import ScopedModelRestApi

    apis = [v for v in app.appbuilder.baseviews if isinstance(v, ScopedModelRestApi)]
    listed = 0
    with statements(app) as seen:
        for view in apis:
            before = len(seen)
            resp = api("association_admin", "GET", f"/api/v1/{view.resource_name}/?q=(page:0,page_size:5)")
            assert resp.status_code in (200, 403, 404, 405), (view.resource_name, resp.status_code)
            if resp.status_code != 200:
                continue
            listed += 1
            table = view.datamodel.obj.__tablename__
            pages = [" ".join(s.split()) for s in seen[before:]
                     if re.search(rf"\bFROM {table}\b", s) and " LIMIT " in " ".join(s.split()).upper()
                     and not s.lstrip().upper().startswith("SELECT COUNT(")]
            assert pages and all(" ORDER BY " in p.upper() for p in pages), (view.resource_name, pages)
            ids = [row.get("id") for row in resp.json["result"] if "id" in row]
            assert ids == sorted(ids) or view.base_order != ("id", "asc"), view.resource_name
    assert listed >= 10
