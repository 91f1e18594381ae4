"""A body over ``api.max_body_bytes`` is a 413 with a JSON detail, before anything reads it."""

from __future__ import annotations

import pytest

from apps.core import bodylimit
from chronos import config as chronos_config

pytestmark = pytest.mark.django_db


@pytest.fixture
def limit(settings):
    chronos = dict(settings.CHRONOS)
    chronos["api"] = {**(chronos.get("api") or {}), "max_body_bytes": 200_000}
    chronos["email"] = {**(chronos.get("email") or {}), "max_total_attachment_bytes": 100_000}
    settings.CHRONOS = chronos
    return 200_000


def test_a_body_over_the_limit_is_413_naming_the_limit(admin_api, limit):
    response = admin_api.post("/api/v1/events", data=b"{" + b" " * limit + b"}", content_type="application/json")
    assert response.status_code == 413
    assert response.json() == {"detail": "Request body too large: 200002 bytes, the limit is 200000 "
                                         "(api.max_body_bytes)."}
    assert "Connection" not in response  # drained: the connection can carry the next request


def test_a_body_at_the_limit_reaches_the_view(admin_api, limit):
    body = b'{"title": "' + b"x" * (limit - 13) + b'"}'
    assert len(body) == limit
    response = admin_api.post("/api/v1/events", data=body, content_type="application/json")
    assert response.status_code == 400
    assert "title" in response.json()


def test_the_limit_holds_for_the_admin_and_form_posts_too(client, limit):
    response = client.post("/admin/login/", data=b"username=" + b"a" * limit,
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code == 413


def test_bodies_over_django_s_own_limit_but_under_ours_are_read(admin_api):
    # Django alone refused anything over 2.5 MB with a bare 400; 3 MB is fine under 32 MiB.
    response = admin_api.post("/api/v1/whitelists/import", data=b"#" * 3_000_000, content_type="application/yaml")
    assert response.status_code == 400
    assert "document larger than" in response.json()["detail"]


def test_a_body_too_large_to_drain_closes_the_connection(admin_api, limit, monkeypatch):
    monkeypatch.setattr(bodylimit, "DRAIN_LIMIT_BYTES", 300_000)
    response = admin_api.post("/api/v1/events", data=b"x" * 400_000, content_type="application/json")
    assert response.status_code == 413
    assert response["Connection"] == "close"


def test_the_limit_must_leave_room_for_the_attachments():
    raw = {"api": {"max_body_bytes": 1_000_000}, "email": {"max_total_attachment_bytes": 1_000_000}}
    errors = chronos_config.build(raw)[1]
    assert errors == ["api.max_body_bytes: must be at least 1398870 to carry email.max_total_attachment_bytes "
                      "of attachments (base64); lower that one too"]
    assert chronos_config.build({})[1] == []
