"""The per-process API key cache: revocation, rotation and deletion still count as promised."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from apps.core import auth
from apps.core.models import ApiKey, _digest

pytestmark = pytest.mark.django_db
URL = "/api/v1/audit"


@pytest.fixture
def clock(monkeypatch):
    """A monotonic clock the test moves by hand."""
    now = [1000.0]
    monkeypatch.setattr(auth, "_clock", lambda: now[0])
    return now


def client_with(raw: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


def key_reads(captured: CaptureQueriesContext) -> int:
    return sum(1 for q in captured.captured_queries if "core_apikey" in q["sql"] and q["sql"].startswith("SELECT"))


def test_a_warm_key_is_not_read_again_within_the_cache_time(clock):
    _, raw = ApiKey.issue(name="k", scopes=["admin"])
    client = client_with(raw)
    for _ in range(2):  # the first request writes last_used_at, which drops the cached row once
        assert client.get(URL).status_code == 200
    with CaptureQueriesContext(connection) as captured:
        assert client.get(URL).status_code == 200
    assert key_reads(captured) == 0
    clock[0] += auth.CACHE_SECONDS
    with CaptureQueriesContext(connection) as captured:
        assert client.get(URL).status_code == 200
    assert key_reads(captured) == 1


def test_revoking_in_this_process_counts_on_the_next_request(clock):
    key, raw = ApiKey.issue(name="k", scopes=["admin"])
    client = client_with(raw)
    assert client.get(URL).status_code == 200
    key.revoked_at = timezone.now()
    key.save(update_fields=["revoked_at"])
    response = client.get(URL)
    assert response.status_code == 401 and "revoked" in response.json()["detail"]


def test_deleting_in_this_process_counts_on_the_next_request(clock):
    key, raw = ApiKey.issue(name="k", scopes=["admin"])
    client = client_with(raw)
    assert client.get(URL).status_code == 200
    key.delete()
    assert client.get(URL).status_code == 401


def test_a_revocation_by_another_process_counts_within_the_cache_time(clock):
    key, raw = ApiKey.issue(name="k", scopes=["admin"])
    client = client_with(raw)
    assert client.get(URL).status_code == 200
    # An UPDATE sends no signal here, as a save in another process would not.
    ApiKey.objects.filter(pk=key.pk).update(revoked_at=timezone.now())
    clock[0] += auth.CACHE_SECONDS
    response = client.get(URL)
    assert response.status_code == 401 and "revoked" in response.json()["detail"]


def test_a_secret_rotated_by_another_process_works_at_once(clock):
    key, raw = ApiKey.issue(name="k", scopes=["admin"])
    assert client_with(raw).get(URL).status_code == 200
    ApiKey.objects.filter(pk=key.pk).update(digest=_digest("brand-new-secret"))
    assert client_with(f"chr_{key.key_id}_brand-new-secret").get(URL).status_code == 200
    assert client_with(raw).get(URL).status_code == 401  # no grace period was given


def test_a_wrong_secret_is_refused_even_when_the_key_is_cached(clock):
    key, raw = ApiKey.issue(name="k", scopes=["admin"])
    assert client_with(raw).get(URL).status_code == 200
    assert client_with(f"chr_{key.key_id}_not-the-secret").get(URL).status_code == 401


def test_last_used_is_written_once_per_interval_despite_the_cache(clock):
    key, raw = ApiKey.issue(name="k", scopes=["admin"])
    client = client_with(raw)
    with CaptureQueriesContext(connection) as captured:
        for _ in range(3):
            assert client.get(URL).status_code == 200
    writes = [q for q in captured.captured_queries if q["sql"].startswith("UPDATE") and "core_apikey" in q["sql"]]
    assert len(writes) == 1
    key.refresh_from_db()
    assert key.last_used_at is not None


def test_each_lookup_gets_its_own_key_and_scopes_from_the_cache(clock):
    key, raw = ApiKey.issue(name="k", scopes=["commands.read"])
    first, cached = auth._load(key.key_id)
    second, cached_again = auth._load(key.key_id)
    assert cached_again and first is not second
    first.scopes.append("admin")
    first.name = "changed"
    third, _ = auth._load(key.key_id)
    assert (third.scopes, third.name) == (["commands.read"], "k")
    assert third.created_at == key.created_at and third.created_at.tzinfo is not None
    assert third._state.adding is False
