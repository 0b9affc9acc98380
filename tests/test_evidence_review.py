"""Evidence on the review page (issues 13.3, 14.6): PDFs and images preview
inline in a sandbox, and the same file on another person's claim is flagged
to the reviewer, naming only the claims the reviewer may see."""
from __future__ import annotations

import re

from tests import factories
from tests.samples import PDF, png_bytes
from tests.test_claims import new_claim, upload


def _reused_file(api, world):
    """One file on a claim of unit A's professional, of unit A's reviewer's
    claim for the same person, and of a unit B person's claim."""
    same = PDF + b"%" + factories.id_number().encode()
    mine = new_claim(api)
    assert upload(api, "professional", mine, same, "a.pdf").status_code == 200
    elsewhere = new_claim(api, "unit_reviewer_b", person=world.person["B"])
    assert upload(api, "unit_reviewer_b", elsewhere, same, "b.pdf").status_code == 200
    return mine, elsewhere


def test_the_reviewer_sees_the_reuse_without_records_outside_the_scope(api, clients, world):
    mine, elsewhere = _reused_file(api, world)
    in_b = api("unit_reviewer_b", "GET", f"/api/v1/claim/{elsewhere}").json["result"]["evidence"][0]
    # B's reviewer may not see unit A's claim: it is counted, not named
    assert in_b["also_on_claims_of_others"] == []
    assert in_b["also_on_claims_outside_your_scope"] == 1
    page = clients("unit_reviewer_b").get(f"/claimview/show/{elsewhere}").get_data(as_text=True)
    assert "同一文件已出现在他人的申报中" in page and "1 项不在您的数据范围内" in page
    # "#33" names claim 33; "#337ab7" is a colour of the page's style
    assert f"/claimview/show/{mine}" not in page and not re.search(rf"#{mine}(?![0-9a-f])", page)
    assert "测试人员A" not in page
    in_a = api("unit_reviewer", "GET", f"/api/v1/claim/{mine}").json["result"]["evidence"][0]
    assert (in_a["also_on_claims_of_others"], in_a["also_on_claims_outside_your_scope"]) == ([], 1)
    # the claimant learns nothing of others' claims
    own = api("professional", "GET", f"/api/v1/claim/{mine}").json["result"]["evidence"][0]
    assert (own["also_on_claims_of_others"], own["also_on_claims_outside_your_scope"]) == ([], 0)


def test_pdf_and_images_preview_inline_in_a_sandbox(api, clients):
    claim = new_claim(api)
    pdf = upload(api, "professional", claim, PDF + b"%" + factories.id_number().encode(), "a.pdf")
    png = upload(api, "professional", claim, png_bytes(), "b.png")
    page = clients("unit_reviewer").get(f"/claimview/show/{claim}").get_data(as_text=True)
    for row, tag in ((pdf, "<iframe"), (png, "<img")):
        url = f"/claimview/evidence/{claim}/{row.json['id']}/preview"
        assert f'{tag} src="{url}"' in page
        resp = clients("unit_reviewer").get(url)
        assert resp.status_code == 200
        assert resp.headers["Content-Disposition"].startswith("inline")
        assert resp.headers["Content-Security-Policy"].startswith("sandbox")
        assert "script-src" not in resp.headers["Content-Security-Policy"]
        assert resp.headers["X-Content-Type-Options"] == "nosniff"
        assert resp.mimetype in ("application/pdf", "image/png")
        resp.close()
        # the download stays an attachment; another unit's reviewer gets nothing
        download = clients("unit_reviewer").get(f"/claimview/evidence/{claim}/{row.json['id']}")
        assert download.headers["Content-Disposition"].startswith("attachment")
        download.close()
        assert clients("unit_reviewer_b").get(url).status_code == 404
