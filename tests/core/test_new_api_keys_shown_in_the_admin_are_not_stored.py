"""Keys created or rotated in the admin are shown once, and no stored session holds them readable."""

from __future__ import annotations

import re

import pytest
from django.contrib.sessions.models import Session

from apps.core.models import ApiKey

pytestmark = pytest.mark.django_db

KEY = re.compile(r"chr_[0-9a-f]{12}_[A-Za-z0-9_-]{43}")


def _stored_sessions() -> str:
    """Every stored session, decoded (its data is only signed and compressed, not encrypted)."""
    return " ".join(repr(session.get_decoded()) for session in Session.objects.all())


def test_rotating_many_keys_shows_every_secret_and_stores_none(admin_client):
    keys = [ApiKey.issue(name=f"key {i}", scopes=["events.read"])[0] for i in range(40)]
    response = admin_client.post("/admin/core/apikey/", {
        "action": "rotate_keys", "_selected_action": [k.pk for k in keys]})
    assert response.status_code == 302
    stored = _stored_sessions()  # between the action and the page that shows its messages
    assert "_messages" in stored  # more than a cookie holds: the rest waits in the session
    shown = set(KEY.findall(admin_client.get(response["Location"]).content.decode()))
    assert len(shown) == 40
    for full in shown:
        assert full not in stored
        assert full.split("_", 2)[2] not in stored


def test_a_key_created_in_the_admin_is_shown_once(admin_client):
    response = admin_client.post("/admin/core/apikey/add/", {
        "name": "n8n", "scopes": ["events.read"], "expires_at_0": "", "expires_at_1": ""})
    assert response.status_code == 302
    stored = _stored_sessions()
    [full] = KEY.findall(admin_client.get(response["Location"]).content.decode())
    assert ApiKey.objects.get(name="n8n").key_id in full
    assert full not in stored
    again = admin_client.get("/admin/core/apikey/")
    assert full not in again.content.decode()
