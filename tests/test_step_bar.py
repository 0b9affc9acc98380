"""The step bar's 下一步: the steps that move the record on first, then the
others in the workflow's order, each under the roles that take it — the same
line for every viewer (their own buttons are on the page)."""
from __future__ import annotations

import re

from tests.test_classes import material, new_class


def next_line(page: str) -> str:
    return re.search(r'class="step-bar-next small">([^<]*)</div>', page).group(1)


def test_next_names_the_forward_step_first_and_who_takes_each(app):
    from flask_babel import force_locale

    from app.services import classes, evaluations, progress

    with app.test_request_context(), force_locale("zh"):
        assert progress.next_steps(classes.WORKFLOW, "filed") == (
            "市继续教育协会:备案、退回备案;行业主管部门、继续教育基地、用人单位审核员:撤回备案")
        assert progress.next_steps(evaluations.WORKFLOW, "submitted").startswith("行业主管部门:初审通过;")
        assert progress.next_steps(classes.WORKFLOW, "reviewed") == ""


def test_every_viewer_of_a_filed_class_reads_the_same_next_step(api, clients):
    class_id = new_class(api, "base_staff", name="下一步班次")
    material(api, "base_staff", class_id, "approval_form")
    assert api("base_staff", "POST", f"/api/v1/training_class/{class_id}/step/file").status_code == 200
    lines = {key: next_line(clients(key).get(f"/trainingclassview/show/{class_id}").get_data(as_text=True))
             for key in ("base_staff", "association_admin")}
    assert lines["base_staff"] == lines["association_admin"], lines
    assert lines["base_staff"].startswith("下一步:市继续教育协会:备案"), lines
