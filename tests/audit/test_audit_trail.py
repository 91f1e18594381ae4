from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from apps.audit.models import AuditEntry
from apps.core.models import ApiKey

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):
    user = get_user_model().objects.create_superuser("boss", "boss@example.com", "a-long-password")
    client.force_login(user)
    client.user = user
    return client


def test_creating_a_key_in_the_admin_is_audited_with_the_user_and_without_secrets(staff_client):
    response = staff_client.post(
        "/admin/core/apikey/add/", {"name": "from-admin", "scopes": ["events.read"]}, REMOTE_ADDR="10.1.2.3"
    )
    assert response.status_code == 302
    key = ApiKey.objects.get(name="from-admin")
    entry = AuditEntry.objects.get(entity="apikey", entity_id=str(key.pk), action="create")
    assert entry.actor == f"user:{staff_client.user.pk}"
    assert entry.actor_name == "boss"
    assert entry.ip == "10.1.2.3"
    assert entry.changes["name"] == [None, "from-admin"]
    assert "digest" not in entry.changes


def test_editing_in_the_admin_records_old_and_new_values(staff_client):
    key, _ = ApiKey.issue(name="before", scopes=["events.read"])
    response = staff_client.post(f"/admin/core/apikey/{key.pk}/change/", {"name": "after", "scopes": ["events.read"]})
    assert response.status_code == 302
    entry = AuditEntry.objects.filter(entity="apikey", entity_id=str(key.pk), action="update").get()
    assert entry.changes == {"name": ["before", "after"]}


def test_deleting_in_the_admin_is_audited(staff_client):
    key, _ = ApiKey.issue(name="doomed", scopes=["events.read"])
    response = staff_client.post(f"/admin/core/apikey/{key.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    entry = AuditEntry.objects.get(entity="apikey", entity_id=str(key.pk), action="delete")
    assert entry.changes["name"] == ["doomed", None]


def test_the_change_page_shows_the_audit_trail(staff_client):
    key, _ = ApiKey.issue(name="trail", scopes=["events.read"])
    page = staff_client.get(f"/admin/core/apikey/{key.pk}/change/")
    assert page.status_code == 200
    assert b"Audit trail" in page.content


def test_the_audit_api_filters_by_entity_and_needs_audit_read(api):
    key, _ = ApiKey.issue(name="x", scopes=["events.read"])
    reader = api(scopes=["audit.read"])
    body = reader.get("/api/v1/audit", {"entity": "apikey", "entity_id": str(key.pk)}).json()
    assert body["total_count"] == 1
    item = body["items"][0]
    assert {"id", "ts", "actor", "scope", "action", "entity", "entity_id", "changes", "ip"} <= set(item)
    assert api(scopes=["events.read"]).get("/api/v1/audit").status_code == 403


def test_the_admin_offers_no_way_to_change_audit_entries(staff_client):
    from apps.audit.registry import record

    entry = record(action="create", entity="thing", entity_id=1)
    assert staff_client.get("/admin/audit/auditentry/add/").status_code == 403
    assert staff_client.post(f"/admin/audit/auditentry/{entry.pk}/delete/", {"post": "yes"}).status_code == 403
