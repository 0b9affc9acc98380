"""Words and numbers on every screen: one formatter (no scientific notation, local
times), labels that say what the field is, no internal codes on a page."""
from __future__ import annotations

import copy
import dataclasses
import re
from datetime import datetime, timezone
from decimal import Decimal

import pytest

SCIENTIFIC = re.compile(r"\d(?:\.\d+)?E[+-]\d", re.IGNORECASE)


def _visible(html: str) -> str:
    """The page's text without its scripts, styles and tag attributes."""
    html = re.sub(r"<(script|style)\b.*?</\1>", "", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


def test_every_dashboard_writes_round_figures_without_scientific_notation(app, clients, monkeypatch):
    """Round Decimals (after normalize(), which str() writes as "5E+1") on every
    dashboard a role can open: the city, each district, a district officer's."""
    from app.extensions import db
    from app.models import District
    from app.services import dashboard

    real = dashboard.figures

    def round_figures(year, district_id=None):
        kept = real(year, district_id)
        figures = copy.deepcopy(kept.figures)  # the stored figures stay as they are
        figures.by_district = figures.by_district or [dashboard.Rate("即墨区", 2, 1)]
        figures.by_unit = [dashboard.Rate("测试用人单位A", 10, 5), dashboard.Rate("测试用人单位B", 5, 3)]
        figures.hours_by_source = {"platform": Decimal("1230").normalize(),
                                   "class": Decimal("120").normalize(), "claim": Decimal("50.0")}
        figures.hours_by_month = {1: Decimal("1.23E+3"), 10: Decimal("1.2E+2")}
        return dataclasses.replace(kept, figures=figures)

    monkeypatch.setattr(dashboard, "figures", round_figures)
    with app.app_context():
        districts = db.session.query(District.id).all()
    pages = [("association_admin", "/dashboard/?year=2026")]
    pages += [("association_admin", f"/dashboard/?year=2026&district={d}") for d, in districts]
    pages += [("district_officer", "/dashboard/?year=2026")]
    for login, url in pages:
        resp = clients(login).get(url)
        assert resp.status_code == 200, url
        html = resp.get_data(as_text=True)
        assert not SCIENTIFIC.search(html), (url, SCIENTIFIC.search(html).group())
    assert "1230" in html and "50%" in html and "120" in html


def test_templates_write_numbers_and_times_through_the_formatter(app):
    """Any template: a Decimal prints as hours, a stored UTC time in Asia/Shanghai."""
    with app.test_request_context():
        template = app.jinja_env.from_string("{{ a }}|{{ b }}|{{ c }}|{{ d }}")
        text = template.render(a=Decimal("50").normalize(), b=Decimal("22.50"),
                               c=datetime(2026, 12, 1, 8, 25, tzinfo=timezone.utc), d=None)
    assert text == "50|22.5|2026-12-01 16:25|"


def _flashes(client) -> list[str]:
    with client.session_transaction() as session:
        return [text for _, text in session.pop("_flashes", [])]


def test_approval_says_how_many_hours_were_credited_and_why_fewer(app, api, clients, world):
    """"已批准:认定 8 学时"; a second claim on a day already used up says 0 and why."""
    from tests.test_claims import submitted_claim

    day = {"kind": "academic_activity", "title": "学术会议", "category": "professional",
           "days": [{"date": "2026-02-27", "hours": 8}]}
    first = submitted_claim(api, day)
    second = submitted_claim(api, {**day, "title": "同日学术会议", "days": [{"date": "2026-02-27", "hours": 4}]})
    reviewer = clients("unit_reviewer")
    _flashes(reviewer)
    assert reviewer.post(f"/claimview/step/approve/{first}").status_code == 302
    assert _flashes(reviewer) == ["已批准:认定 8 学时。"]
    assert reviewer.post(f"/claimview/step/approve/{second}").status_code == 302
    told = _flashes(reviewer)[0]
    assert told.startswith("已批准:认定 0 学时,少于本申报单独可认定的 4 学时,原因:"), told
    assert "8学时" in told and "daily_cap" not in told
    # the ledger page explains the note in Chinese, never with its code
    from app.rules import NOTE_CODES
    from tests.test_claims import _ledger_id

    page = clients("professional").get(f"/ledgerview/show/{_ledger_id(app, world.person['A'])}")
    text = _visible(page.get_data(as_text=True))
    assert page.status_code == 200 and "同日学术会议" in text
    assert not [code for code in NOTE_CODES if code in text]


def test_year_certificate_heads_its_hours_columns_and_prints_shanghai_time(app, tmp_path):
    from app.pdf import report as pdf
    from tests import pdfcheck

    with app.test_request_context():
        body = pdf.year_certificate(
            year=2026, number="QDXS2026-000001", verify_url="https://example.org/verify/x",
            name="周英", id_number="370202********1234", unit="测试用人单位A",
            items=[["发明专利", "成果(四(三)3)", "2026-06-01", "0", Decimal("1E+1")]],
            totals={"public": Decimal("0.0"), "professional": Decimal("1E+1"), "total": Decimal("1E+1"),
                    "compliant": False, "shortfall_public": Decimal("3E+1"),
                    "shortfall_professional": Decimal("5E+1")},
            issued_at=datetime(2026, 12, 1, 8, 25, tzinfo=timezone.utc))
    path = tmp_path / "year.pdf"
    path.write_bytes(body)
    text = pdfcheck.text(path)
    assert "公需学时" in text and "专业学时" in text and "专业技术人员\n" not in text
    assert "2026-12-01 16:25" in text and "08:25" not in text
    assert not SCIENTIFIC.search(text) and "50" in text


def test_spreadsheets_write_hours_as_numbers_and_times_in_shanghai():
    import io

    from openpyxl import load_workbook

    from app.services import sheets

    row = [Decimal("5E+1"), Decimal("22.5"), datetime(2026, 12, 1, 8, 25, tzinfo=timezone.utc)]
    book = load_workbook(io.BytesIO(sheets.workbook_bytes("t", ["a", "b", "c"], [row])))
    assert [c.value for c in book.active[2]] == [50, 22.5, "2026-12-01 16:25"]
    assert sheets.csv_bytes(["a", "b", "c"], [row]).decode("utf-8-sig").splitlines()[1] == "50,22.5,2026-12-01 16:25"


def _menus(app) -> tuple[dict, dict]:
    """Menu categories and menu items: label in the current language -> English msgid."""
    from flask_babel import force_locale

    categories, items = {}, {}

    def walk(entries):
        for entry in entries:
            with force_locale("en"):
                msgid = str(entry.label)
            (categories if entry.childs else items)[str(entry.label)] = msgid
            walk(entry.childs or [])

    walk(app.appbuilder.menu.get_list())
    return categories, items


def test_no_label_reads_like_a_menu(app):
    """A menu name is never a field label: no other message is translated as a menu
    category ("Hours" was "学时管理"), and a field named like a menu item is a link to
    that record (用人单位 on a claim), never a figure (电子证书 for a count)."""
    from babel.messages.pofile import read_po
    from flask_babel import force_locale
    from sqlalchemy.orm import RelationshipProperty

    from scripts.i18n import APP_PO

    with app.test_request_context(), force_locale("zh"):
        categories, items = _menus(app)
        with APP_PO.open("rb") as fh:
            catalog = read_po(fh)
        menu_ids = set(categories.values()) | set(items.values())
        wrong = [(m.id, m.string) for m in catalog
                 if m.id and m.string in categories and m.id not in menu_ids]
        assert not wrong
        figures = []
        for view in app.appbuilder.baseviews:
            datamodel = getattr(view, "datamodel", None)
            for column, label in (getattr(view, "label_columns", None) or {}).items():
                if str(label) not in items or datamodel is None:
                    continue
                attr = getattr(datamodel.obj, column.split(".")[0], None)
                if not isinstance(getattr(attr, "property", None), RelationshipProperty) \
                        and not column.endswith("_id"):
                    figures.append((type(view).__name__, column, str(label)))
        assert not figures


# Which permission lets a login meet a view's column lists (a screen's search form
# names its columns; an API names its list, show, add and edit columns).
COLUMN_LISTS = {"list_columns": ("can_list", "can_get"), "show_columns": ("can_show", "can_get"),
                "search_columns": ("can_list",), "add_columns": ("can_add", "can_post"),
                "edit_columns": ("can_edit", "can_put")}
HAN = re.compile(r"[\u4e00-\u9fff]")


def _form_label(view, form: str, column: str):
    """The label of a form's own field (FAB uses it instead of label_columns)."""
    field = (getattr(view, f"{form}_form_extra_fields", None) or {}).get(column)
    if field is None:
        return None
    return field.kwargs.get("label") or (field.args[0] if field.args else None)


def test_every_field_label_a_login_meets_is_translated_and_no_menu_name(app):
    """Every column of every registered screen and API that some role may open
    (as declared in app/security/roles.py) is labelled by a message with its
    Chinese: never FAB's made-up English ("Created At"), never a menu's name
    unless the field is the link to that record."""
    from flask_babel import force_locale
    from sqlalchemy.orm import RelationshipProperty

    from app.security.roles import ROLE_PERMISSIONS

    granted = {pair for pairs in ROLE_PERMISSIONS.values() for pair in pairs}
    with app.test_request_context(), force_locale("zh"):
        categories, items = _menus(app)
        untranslated, menu_named, checked = [], [], 0
        for view in app.appbuilder.baseviews:
            labels = getattr(view, "label_columns", None)
            if labels is None:
                continue
            name = view.class_permission_name
            for attr, permissions in COLUMN_LISTS.items():
                if not any((p, name) in granted for p in permissions):
                    continue
                form = attr.split("_")[0]
                for column in getattr(view, attr, None) or []:
                    label = labels.get(column) or _form_label(view, form, column)
                    text = "" if label is None else str(label)
                    checked += 1
                    if not HAN.search(text):
                        untranslated.append((type(view).__name__, attr, column, text))
                    attr_ = getattr(getattr(view, "datamodel", None) and view.datamodel.obj,
                                    column.split(".")[0], None)
                    relation = isinstance(getattr(attr_, "property", None), RelationshipProperty)
                    if text in categories or (text in items and not relation and not column.endswith("_id")):
                        menu_named.append((type(view).__name__, column, text))
        assert checked > 500
        assert not untranslated, untranslated
        assert not menu_named, menu_named
