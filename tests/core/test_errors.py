from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_unknown_api_path_is_json_404(admin_api):
    response = admin_api.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["detail"]


def test_wrong_method_is_405_with_detail(admin_api):
    response = admin_api.delete("/api/v1/audit")
    assert response.status_code == 405
    assert "detail" in response.json()


def test_bad_page_parameters_are_400_naming_the_parameter(admin_api):
    response = admin_api.get("/api/v1/audit", {"page_size": 501})
    assert response.status_code == 400
    assert "page_size" in response.json()


def test_page_beyond_the_end_is_404_with_a_reason(admin_api):
    response = admin_api.get("/api/v1/audit", {"page": 99})
    assert response.status_code == 404
    assert "beyond" in response.json()["detail"]


@pytest.mark.parametrize("query", [{"page": 1, "offset": -5}, {"page": "", "limit": 0}, {"limit": 10, "page_size": 0},
                                   {"page": 1, "limit": "x"}])
def test_every_given_paging_parameter_is_checked_whichever_style_is_used(admin_api, query):
    response = admin_api.get("/api/v1/audit", query)
    assert response.status_code == 400
    bad = next(name for name, value in query.items() if value not in (1, 10, ""))
    assert bad in response.json()


def test_an_empty_page_parameter_counts_as_absent(admin_api):
    response = admin_api.get("/api/v1/audit", {"page": "", "limit": 1, "offset": 0})
    assert response.status_code == 200
    assert response.json()["page_size"] == 1
