"""Wrong admin passwords lock out the user name and the address (django-axes), visibly in the admin."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.test import Client

pytestmark = pytest.mark.django_db

LOGIN = "/admin/login/?next=/admin/"
PASSWORD = "right-password-123"


@pytest.fixture
def admin_user(db):
    return get_user_model().objects.create_superuser("boss", "boss@example.org", PASSWORD)


def _login(username: str, password: str, address: str = "198.51.100.7", **headers):
    client = Client()
    response = client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address, **headers)
    return response, client


def _logged_in(client: Client) -> bool:
    return client.get("/admin/").status_code == 200


def test_the_right_password_is_refused_after_five_wrong_ones(admin_user):
    for _ in range(4):
        response, _client = _login("boss", "wrong")
        assert response.status_code == 200  # the form again, with its error
    response, _client = _login("boss", "wrong")
    assert response.status_code == 429
    response, client = _login("boss", PASSWORD)
    assert response.status_code == 429
    assert b"Login locked" in response.content
    assert not _logged_in(client)


def test_a_user_name_is_locked_whatever_the_address(admin_user):
    for n in range(5):
        _login("boss", "wrong", address=f"203.0.113.{n + 1}")
    response, client = _login("boss", PASSWORD, address="203.0.113.99")
    assert response.status_code == 429
    assert not _logged_in(client)


def test_an_address_is_locked_whatever_the_user_name_and_others_still_log_in(admin_user):
    for n in range(5):
        _login(f"guess{n}", "wrong", address="192.0.2.66")
    response, client = _login("boss", PASSWORD, address="192.0.2.66")
    assert response.status_code == 429
    response, client = _login("boss", PASSWORD, address="192.0.2.67")
    assert response.status_code == 302
    assert _logged_in(client)


def test_a_lockout_ends_after_the_configured_minutes_however_often_it_is_tried(admin_user):
    start = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        for _ in range(5):
            _login("boss", "wrong")
    with time_machine.travel(start + dt.timedelta(minutes=10), tick=False):
        assert _login("boss", "wrong")[0].status_code == 429  # does not extend the lockout
    with time_machine.travel(start + dt.timedelta(minutes=15, seconds=1), tick=False):
        response, client = _login("boss", PASSWORD)
        assert response.status_code == 302
        assert _logged_in(client)


def test_behind_a_trusted_proxy_each_forwarded_client_is_counted_on_its_own(admin_user):
    for n in range(5):
        _login(f"guess{n}", "wrong", address="127.0.0.1", HTTP_X_FORWARDED_FOR="192.0.2.10")
    # Another client through the same proxy is not locked out with the first one.
    response, client = _login("boss", PASSWORD, address="127.0.0.1", HTTP_X_FORWARDED_FOR="192.0.2.11")
    assert response.status_code == 302
    # The first client cannot escape by putting an address of its choice in front.
    response, _client = _login("boss", PASSWORD, address="127.0.0.1",
                               HTTP_X_FORWARDED_FOR="10.9.9.9, 192.0.2.10")
    assert response.status_code == 429


def test_a_forwarded_for_header_from_an_untrusted_peer_is_ignored(admin_user):
    for n in range(5):
        _login(f"guess{n}", "wrong", address="192.0.2.20", HTTP_X_FORWARDED_FOR=f"10.0.0.{n}")
    response, _client = _login("boss", PASSWORD, address="192.0.2.20", HTTP_X_FORWARDED_FOR="10.0.0.99")
    assert response.status_code == 429


def test_lockouts_are_listed_in_the_admin_and_deleting_one_unlocks(admin_user, admin_client):
    for _ in range(5):
        _login("boss", "wrong", address="192.0.2.30")
    page = admin_client.get("/admin/axes/accessattempt/")
    assert page.status_code == 200
    assert b"192.0.2.30" in page.content and b"boss" in page.content

    from axes.models import AccessAttempt

    attempt = AccessAttempt.objects.get(ip_address="192.0.2.30")
    response = admin_client.post(f"/admin/axes/accessattempt/{attempt.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    response, client = _login("boss", PASSWORD, address="192.0.2.30")
    assert response.status_code == 302
    assert _logged_in(client)
