"""A filtered list says how it is filtered, in words, above the table: a list
opened from a to-do link (待我处理) or a home figure would otherwise look like
every row, the search panel being folded away."""
from __future__ import annotations

import json
import re

from flask_appbuilder.models.sqla.filters import FilterIn, FilterNotEqual, FilterNotIn

from app.services.home import state_url
from app.services.claims import WORKFLOW as CLAIMS
from app.views.lists import filter_arg
from tests.test_claims import exam, new_claim, submitted_claim


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


def test_a_columns_filters_past_the_tenth_narrow_the_list(app, api, clients):
    """The claims' state column offers 待我处理 and FAB's ten text filters, so 属于
    and 不属于 are its tenth and eleventh (FAB's own reading dropped the eleventh and showed
    every claim); an index no filter has is ignored, not a 500."""
    title = "第十一个筛选条件"
    draft = new_claim(api, body={**exam(), "title": title})
    submitted = submitted_claim(api, {**exam(), "title": title})
    view = next(v for v in app.appbuilder.baseviews if type(v).__name__ == "ClaimView")
    by_title = filter_arg(view, "title")
    professional = clients("professional")
    assert filter_arg(view, "state", FilterNotIn).startswith("_flt_10_")
    for kind, shown in ((FilterNotIn, submitted), (FilterIn, draft)):
        arg = filter_arg(view, "state", kind)
        page = professional.get("/claimview/list/", query_string={by_title: title, arg: "draft"})
        text = page.get_data(as_text=True)
        assert page.status_code == 200 and "草稿" in _summary(text)
        assert f'/claimview/show/{shown}"' in text
        assert f'/claimview/show/{({draft, submitted} - {shown}).pop()}"' not in text
    unknown = professional.get("/claimview/list/", query_string={by_title: title, "_flt_99_state": "x"})
    assert unknown.status_code == 200 and f'/claimview/show/{draft}"' in unknown.get_data(as_text=True)


def test_a_coded_column_is_chosen_by_its_label_and_matched_whole(app, clients, api, world):
    """职称系列 is chosen from its labels, not typed as a code, and matches the whole
    code (an equality the column's index serves; "starts with" was an ILIKE on PostgreSQL
    that no index serves, and "eng" found every engineer)."""
    view = next(v for v in app.appbuilder.baseviews if type(v).__name__ == "PersonView")
    equal, not_equal = filter_arg(view, "series"), filter_arg(view, "series", FilterNotEqual)
    assert equal == "_flt_0_series" and not_equal == "_flt_1_series"
    client = clients("association_admin")
    page = client.get("/personview/list/").get_data(as_text=True)
    fields = [json.loads(f) for f in re.findall(r'"series": ("(?:[^"\\]|\\.)*")', page)]
    field = next(f for f in fields if f.startswith("<select"))  # the search form's, in the page's JSON
    assert '<option value="engineering">工程</option>' in field
    engineers = client.get(f"/personview/list/?{equal}=engineering").get_data(as_text=True)
    assert f'/personview/show/{world.person["A"]}"' in engineers and "职称系列 等于 工程" in _summary(engineers)
    assert f'/personview/show/{world.person["A"]}"' not in client.get(
        f"/personview/list/?{equal}=eng").get_data(as_text=True)
    assert f'/personview/show/{world.person["A"]}"' not in client.get(
        f"/personview/list/?{not_equal}=engineering").get_data(as_text=True)
    found = api("association_admin", "GET", "/api/v1/person/?q=(filters:!((col:series,opr:eq,value:engineering)))")
    assert found.status_code == 200 and world.person["A"] in [row["id"] for row in found.json["result"]]
    prefix = api("association_admin", "GET", "/api/v1/person/?q=(filters:!((col:series,opr:sw,value:eng)))")
    assert prefix.status_code == 400
