from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from rest_framework.test import APIClient

from apps.core.models import ApiKey

pytestmark = pytest.mark.django_db

AUDIT_URL = "/api/v1/audit"


def client_with(raw: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


def test_the_full_key_is_never_stored():
    key, raw = ApiKey.issue(name="k", scopes=["audit.read"])
    secret = raw.split("_", 2)[2]
    stored = ApiKey.objects.get(pk=key.pk)
    assert secret not in stored.digest and len(stored.digest) == 64
    assert raw.startswith(f"chr_{stored.key_id}_")


def test_a_valid_key_with_the_scope_is_let_in():
    _, raw = ApiKey.issue(name="k", scopes=["audit.read"])
    assert client_with(raw).get(AUDIT_URL).status_code == 200


def test_missing_key_is_401_with_a_json_detail():
    response = APIClient().get(AUDIT_URL)
    assert response.status_code == 401
    assert "detail" in response.json()
    assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("raw", ["nonsense", "chr_abc", "chr_deadbeef0000_wrongsecret", "chr__x"])
def test_unknown_or_malformed_keys_are_401(raw):
    assert client_with(raw).get(AUDIT_URL).status_code == 401


def test_wrong_secret_for_a_real_key_id_is_401():
    key, raw = ApiKey.issue(name="k", scopes=["admin"])
    assert client_with(f"chr_{key.key_id}_not-the-secret").get(AUDIT_URL).status_code == 401


def test_a_key_without_the_scope_is_403_naming_the_scope():
    _, raw = ApiKey.issue(name="k", scopes=["events.read"])
    response = client_with(raw).get(AUDIT_URL)
    assert response.status_code == 403
    assert "audit.read" in response.json()["detail"]


def test_admin_scope_grants_everything():
    _, raw = ApiKey.issue(name="k", scopes=["admin"])
    assert client_with(raw).get(AUDIT_URL).status_code == 200


def test_revoked_key_is_401():
    key, raw = ApiKey.issue(name="k", scopes=["admin"])
    key.revoked_at = timezone.now()
    key.save()
    response = client_with(raw).get(AUDIT_URL)
    assert response.status_code == 401
    assert "revoked" in response.json()["detail"]


def test_expired_key_is_401():
    with time_machine.travel("2026-01-01T00:00:00Z", tick=False):
        key, raw = ApiKey.issue(name="k", scopes=["admin"], expires_at=timezone.now() + timedelta(days=1))
        assert client_with(raw).get(AUDIT_URL).status_code == 200
    with time_machine.travel("2026-01-02T00:00:01Z", tick=False):
        response = client_with(raw).get(AUDIT_URL)
    assert response.status_code == 401
    assert "expired" in response.json()["detail"]


def test_rotated_key_keeps_the_old_secret_valid_only_for_the_grace_period():
    with time_machine.travel("2026-03-01T12:00:00Z", tick=False):
        key, old = ApiKey.issue(name="k", scopes=["admin"])
        new = key.rotate(grace=timedelta(hours=24))
        assert client_with(new).get(AUDIT_URL).status_code == 200
        assert client_with(old).get(AUDIT_URL).status_code == 200
    with time_machine.travel("2026-03-02T12:00:01Z", tick=False):
        assert client_with(new).get(AUDIT_URL).status_code == 200
        assert client_with(old).get(AUDIT_URL).status_code == 401


def test_last_used_is_written_at_most_once_a_minute():
    with time_machine.travel("2026-05-01T10:00:00Z", tick=False):
        key, raw = ApiKey.issue(name="k", scopes=["admin"])
        client_with(raw).get(AUDIT_URL)
        first = ApiKey.objects.get(pk=key.pk).last_used_at
    with time_machine.travel("2026-05-01T10:00:30Z", tick=False):
        client_with(raw).get(AUDIT_URL)
        assert ApiKey.objects.get(pk=key.pk).last_used_at == first
    with time_machine.travel("2026-05-01T10:01:01Z", tick=False):
        client_with(raw).get(AUDIT_URL)
        assert ApiKey.objects.get(pk=key.pk).last_used_at > first
