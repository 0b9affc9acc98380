"""A filtered list says how it is filtered, in words, above the table: a list
opened from a to-do link (待我处理) or a home figure would otherwise look like
every row, the search panel being folded away."""
from __future__ import annotations

import re

from app.services.home import state_url
from app.services.claims import WORKFLOW as CLAIMS


def _summary(page: str) -> str:
    found = re.search(r'<p class="xueshi-filters">(.*?)</p>', page, re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", found.group(1))).strip() if found else ""


def test_a_to_do_list_says_it_shows_what_waits_for_me(app, clients):
    with app.test_request_context():
        url = state_url(CLAIMS, "submitted", to_do=True)
    summary = _summary(clients("unit_reviewer").get(url).get_data(as_text=True))
    assert "筛选条件" in summary and "待我处理" in summary and "已提交" in summary and "submitted" not in summary
    assert "显示全部" in summary


def test_an_unfiltered_list_says_nothing_and_a_searched_number_stays_masked(clients, world):
    client = clients("district_officer")
    assert _summary(client.get("/personview/list/").get_data(as_text=True)) == ""
    number = world.id_number["A"]
    page = client.get(f"/personview/list/?_flt_0_id_number={number}").get_data(as_text=True)
    summary = _summary(page)
    assert "身份证号" in summary and number not in summary


def test_yes_no_and_chosen_records_read_in_words(clients, world):
    page = clients("association_admin").get(
        f"/personview/list/?_flt_0_unit={world.unit['A']}&_flt_0_is_enterprise_manager=y").get_data(as_text=True)
    summary = _summary(page)
    assert "用人单位" in summary and "企业经营管理人员" in summary and "是" in summary
