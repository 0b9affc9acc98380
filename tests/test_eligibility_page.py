"""The bulk hours check on screen: a summary (rows, found, compliant,
problems), a link to the answered list for the uploader's session only, the
ID numbers as the officer typed them (their own list) and duplicates flagged."""
from __future__ import annotations

import io
import re

from openpyxl import load_workbook

from tests.samples import xlsx


def figures(page: str) -> dict[str, int]:
    cells = re.findall(r"<th>([^<]+)</th><td>(\d+)</td>", page)
    return {label: int(n) for label, n in cells}


def test_the_bulk_check_page_sums_up_links_the_result_and_flags_duplicates(app, clients, world):
    officer = clients("district_officer")  # sees masked numbers on screens
    own, other = world.id_number["A"], world.id_number["B"]
    rows = [[own, "测试人员A"], [other, "测试人员B"], [own, "测试人员A"], ["12345", "坏号码"]]
    page = officer.post("/eligibility/bulk", content_type="multipart/form-data", data={
        "file": (io.BytesIO(xlsx(["身份证号", "姓名"], rows)), "applicants.xlsx"), "year": "2026"})
    assert page.status_code == 200 and "Content-Disposition" not in page.headers
    body = page.get_data(as_text=True)
    found = figures(body)
    compliant = found.pop("达标人数")
    assert found == {"行数": 4, "找到人数": 2, "有问题的行数": 3, "重复行": 1}, found
    assert compliant in (0, 2)
    link = re.search(r'href="(/eligibility/result/[^"]+)"', body).group(1)
    result = officer.get(link)
    assert result.status_code == 200 and "attachment" in result.headers["Content-Disposition"]
    out = [list(r) for r in load_workbook(io.BytesIO(result.data)).active.iter_rows(values_only=True)][1:]
    assert [r[1] for r in out] == [own, other, own, "12345"]  # as typed, never masked
    assert "与第 2 行身份证号相同" in out[2][-1] and "与第" not in (out[0][-1] or "")
    # the file is the uploader's session's: another login, or another session, gets nothing
    assert clients("unit_reviewer_b").get(link).status_code == 404
    from tests.conftest import login_client

    assert login_client(app, "district_officer").get(link).status_code == 404
    assert officer.get("/eligibility/result/" + "0" * 40).status_code == 404
