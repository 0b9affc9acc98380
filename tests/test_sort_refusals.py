"""Sorting on the ID number is an oracle (the order places a guessed number
among the masked ones): no screen or API list sorts on it (issue 14, item 6)."""
from __future__ import annotations

import pytest


@pytest.mark.parametrize("role", ["unit_reviewer", "district_officer", "association_admin"])
def test_sorting_people_by_id_number_on_the_screen_is_a_400(clients, role):
    client = clients(role)
    for direction in ("asc", "desc"):
        resp = client.get(f"/personview/list/?_oc_PersonView=id_number&_od_PersonView={direction}")
        assert resp.status_code == 400 and "排序" in resp.get_data(as_text=True)


@pytest.mark.parametrize("role", ["unit_reviewer", "association_admin"])
def test_sorting_people_by_id_number_on_the_api_is_a_400(api, role):
    resp = api(role, "GET", "/api/v1/person/?q=(order_column:id_number,order_direction:asc)")
    assert resp.status_code == 400, resp.get_data(as_text=True)[:300]
