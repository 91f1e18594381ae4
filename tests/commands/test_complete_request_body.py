"""What ``POST /commands/{id}/complete`` accepts as its body (any JSON ``result``, or none)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


@pytest.fixture
def claimed(worker_api, make_command):
    command = make_command()
    worker_api.get("/api/v1/commands/N8N")
    return command


@pytest.mark.parametrize("result", [None, 0, "done", [1, "two"], {"nested": {"ok": True}}])
def test_any_json_value_is_stored_as_the_result(worker_api, claimed, result):
    response = worker_api.post(f"/api/v1/commands/{claimed.pk}/complete", {"result": result}, format="json")
    assert response.status_code == 200
    assert response.json()["result"] == result
    claimed.refresh_from_db()
    assert claimed.result == result


def test_an_empty_object_or_no_body_completes_without_a_result(worker_api, make_command):
    first, second = make_command(), make_command()
    worker_api.get("/api/v1/commands/N8N")
    assert worker_api.post(f"/api/v1/commands/{first.pk}/complete", {}, format="json").json()["result"] is None
    response = worker_api.post(f"/api/v1/commands/{second.pk}/complete")
    assert response.status_code == 200 and response.json()["result"] is None


def test_a_body_that_is_not_an_object_is_400_and_changes_nothing(worker_api, claimed):
    response = worker_api.post(f"/api/v1/commands/{claimed.pk}/complete", [1, 2], format="json")
    assert response.status_code == 400
    assert "non_field_errors" in response.json()
    claimed.refresh_from_db()
    assert claimed.status == "PROCESSING"


def test_a_body_that_is_not_json_is_refused(worker_api, claimed):
    response = worker_api.post(
        f"/api/v1/commands/{claimed.pk}/complete", "result=1", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 415
    claimed.refresh_from_db()
    assert claimed.status == "PROCESSING"


def test_a_large_result_is_stored_whole(worker_api, claimed):
    result = {"log": "x" * 100_000}
    response = worker_api.post(f"/api/v1/commands/{claimed.pk}/complete", {"result": result}, format="json")
    assert response.status_code == 200
    claimed.refresh_from_db()
    assert claimed.result == result


@pytest.mark.parametrize("body", [b'{"result": NaN}', b'{"result": Infinity}', b'{"result": ', b"\xff\xfe{}"])
def test_a_malformed_json_body_is_400_and_changes_nothing(worker_api, claimed, body):
    response = worker_api.post(f"/api/v1/commands/{claimed.pk}/complete", body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["detail"].startswith("JSON parse error")
    claimed.refresh_from_db()
    assert claimed.status == "PROCESSING"


@pytest.mark.parametrize(
    ("content_type", "encoding"),
    [("application/json; charset=utf-8", "utf-8"), ("application/json; charset=latin-1", "latin-1")],
)
def test_the_body_is_read_in_its_declared_charset(worker_api, claimed, content_type, encoding):
    body = '{"result": "café"}'.encode(encoding)
    response = worker_api.post(f"/api/v1/commands/{claimed.pk}/complete", body, content_type=content_type)
    assert response.status_code == 200
    assert response.json()["result"] == "café"
