"""/api/v1/templates: CRUD with scopes, search, type filter, ranking by usage."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from apps.audit.models import AuditEntry
from apps.templates.models import Template
from tests.templates.factories import TemplateFactory

URL = "/api/v1/templates"
EVENT_TEMPLATE = {"type": "event", "title": "Weekly review", "description": "Look back",
                  "default_time": "16:30", "duration_minutes": 45, "calendar_id": "work", "tags": ["review"],
                  "attendees": ["kim@example.com"], "default_sub_tasks": ["Collect notes", "Plan next week"]}


@pytest.fixture
def manager(api):
    return api(scopes=["events.read", "templates.manage"])


def test_an_event_template_is_created_with_every_field(manager, db):
    response = manager.post(URL, EVENT_TEMPLATE, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    for key, value in EVENT_TEMPLATE.items():
        assert body[key] == value, key
    assert body["usage_count"] == 0 and body["last_used_at"] is None
    assert AuditEntry.objects.filter(entity="template", entity_id=str(body["id"]), action="create").exists()


def test_update_and_delete(manager, db):
    template = TemplateFactory()
    assert manager.patch(f"{URL}/{template.id}", {"title": "Renamed"}, format="json").json()["title"] == "Renamed"
    assert manager.put(f"{URL}/{template.id}", {**EVENT_TEMPLATE, "title": "Whole"}, format="json").status_code == 200
    assert manager.delete(f"{URL}/{template.id}").status_code == 204
    assert not Template.objects.exists()
    actions = list(AuditEntry.objects.filter(entity="template").values_list("action", flat=True))
    assert "update" in actions and "delete" in actions


def test_list_is_ranked_by_usage_then_recency(api, db):
    rarely = TemplateFactory(title="Rare", usage_count=1, last_used_at=datetime(2025, 1, 1, tzinfo=UTC))
    often = TemplateFactory(title="Often", usage_count=9, last_used_at=datetime(2024, 1, 1, tzinfo=UTC))
    recent = TemplateFactory(title="Recent", usage_count=1, last_used_at=datetime(2025, 6, 1, tzinfo=UTC))
    never = TemplateFactory(title="Never")
    body = api(scopes=["events.read"]).get(URL).json()
    assert [t["id"] for t in body["items"]] == [often.id, recent.id, rarely.id, never.id]
    assert body["total_count"] == 4


def test_search_and_type_filter(api, db):
    TemplateFactory(title="Dentist visit")
    mail = TemplateFactory(type="email", title="Dentist reminder", subject="Reminder", body_text="See you")
    reader = api(scopes=["events.read"])
    assert len(reader.get(URL, {"q": "dentist"}).json()["items"]) == 2
    assert [t["id"] for t in reader.get(URL, {"q": "dentist", "type": "email"}).json()["items"]] == [mail.id]
    assert reader.get(URL, {"type": "fax"}).status_code == 400
    assert reader.get(URL, {"q": '%"\x00'}).status_code == 200


@pytest.mark.parametrize(
    "change",
    [
        {"type": "fax"},
        {"default_time": "25:00"},
        {"duration_minutes": 0},
        {"tags": "x"},
        {"title": ""},
        {"title": "{{event.nope}}"},
    ],
)
def test_bad_templates_are_400(manager, db, change):
    response = manager.post(URL, {**EVENT_TEMPLATE, **change}, format="json")
    assert response.status_code == 400, response.content
    assert response.json()["detail"]


def test_scopes(api, db):
    template = TemplateFactory()
    reader = api(scopes=["events.read", "events.write"])
    assert reader.post(URL, EVENT_TEMPLATE, format="json").status_code == 403
    assert reader.patch(f"{URL}/{template.id}", {"title": "x"}, format="json").status_code == 403
    assert reader.delete(f"{URL}/{template.id}").status_code == 403
    no_read = api(scopes=["templates.manage"])
    assert no_read.get(URL).status_code == 403
    assert no_read.post(f"{URL}/{template.id}/use").status_code == 403


def test_huge_or_unknown_ids_are_404(api, db):
    reader = api(scopes=["events.read"])
    assert reader.get(f"{URL}/{'9' * 40}").status_code == 404
    assert reader.get(f"{URL}/123456").status_code == 404


def test_create_honours_idempotency_key(manager, db):
    first = manager.post(URL, EVENT_TEMPLATE, format="json", HTTP_IDEMPOTENCY_KEY="t-1")
    again = manager.post(URL, EVENT_TEMPLATE, format="json", HTTP_IDEMPOTENCY_KEY="t-1")
    assert again.json()["id"] == first.json()["id"] and again["Idempotent-Replayed"] == "true"
    assert manager.post(URL, {**EVENT_TEMPLATE, "title": "B"}, format="json",
                        HTTP_IDEMPOTENCY_KEY="t-1").status_code == 422
    assert Template.objects.count() == 1
