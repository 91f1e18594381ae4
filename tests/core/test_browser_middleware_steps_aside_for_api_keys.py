"""Session, CSRF, authentication and message middleware: skipped for API-key requests only."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.sessions.middleware import SessionMiddleware as DjangoSessionMiddleware
from django.test import Client, RequestFactory

from apps.core.middleware import is_api_key_request

pytestmark = pytest.mark.django_db


@pytest.fixture
def session_reads(monkeypatch):
    """How many requests the session middleware has looked at."""
    calls = []
    original = DjangoSessionMiddleware.process_request

    def counting(self, request):
        calls.append(request.path)
        return original(self, request)

    monkeypatch.setattr(DjangoSessionMiddleware, "process_request", counting)
    return calls


@pytest.fixture
def staff_client():
    user = get_user_model().objects.create_superuser("boss", "boss@example.com", "a-long-password")
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client


@pytest.mark.parametrize(
    ("path", "header", "expected"),
    [
        ("/api/v1/commands", "Bearer chr_a_b", True),
        ("/api/v1/commands", "bearer chr_a_b", True),
        ("/api/v1/commands", "Basic dXNlcjpwdw==", False),
        ("/api/v1/commands", " Bearer chr_a_b", False),  # DRF reads no Bearer scheme here either
        ("/api/v1/commands", None, False),
        ("/admin/", "Bearer chr_a_b", False),
    ],
)
def test_what_counts_as_an_api_key_request(path, header, expected):
    extra = {} if header is None else {"HTTP_AUTHORIZATION": header}
    assert is_api_key_request(RequestFactory().get(path, **extra)) is expected


def test_an_api_key_request_skips_the_session(api, session_reads):
    client = api(scopes=["commands.read"])
    response = client.get("/api/v1/commands")
    assert response.status_code == 200
    assert session_reads == []
    assert "Cookie" not in response.get("Vary", "")


def test_a_bad_api_key_is_still_refused_without_the_session(api, session_reads, staff_client):
    # A signed-in browser that sends a wrong key is not let in by its session.
    response = staff_client.get("/api/v1/commands", HTTP_AUTHORIZATION="Bearer chr_nope_nope")
    assert response.status_code == 401
    assert session_reads == []


def test_the_browsable_api_still_signs_in_with_the_admin_session(staff_client, session_reads):
    response = staff_client.get("/api/v1/commands", HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    assert b"boss" in response.content
    assert session_reads == ["/api/v1/commands"]


def test_a_session_post_to_the_api_still_needs_the_csrf_token(staff_client):
    response = staff_client.post("/api/v1/commands", {"command": "PING", "target_system": "N8N"},
                                 content_type="application/json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]


def test_the_admin_still_checks_csrf_even_with_a_bearer_header(staff_client):
    response = staff_client.post("/admin/core/apikey/add/", {"name": "x", "scopes": ["events.read"]},
                                 HTTP_AUTHORIZATION="Bearer chr_a_b")
    assert response.status_code == 403


def test_the_admin_still_works_for_a_signed_in_user(staff_client):
    assert staff_client.get("/admin/").status_code == 200


def test_the_browsable_api_renders_for_an_api_key_too(api):
    response = api(scopes=["commands.read"]).get("/api/v1/commands", HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
