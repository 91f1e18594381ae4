"""Templates in the admin: list, edit with renderer validation, audited."""

from __future__ import annotations

from django.contrib.auth import get_user_model

from apps.audit.models import AuditEntry
from tests.templates.factories import TemplateFactory


def _form(**changes) -> dict:
    data = {"type": "event", "title": "Standup", "description": "", "variables": "[]", "duration_minutes": "15",
            "calendar_id": "", "tags": "[]", "attendees": "[]", "transparency": "opaque", "default_sub_tasks": "[]",
            "default_time": "",
            "subject": "", "body_html": "", "body_text": "", "body_json": "", "created_at_0": "2025-03-01",
            "created_at_1": "00:00:00", "usages-TOTAL_FORMS": "0", "usages-INITIAL_FORMS": "0",
            "usages-MIN_NUM_FORMS": "0", "usages-MAX_NUM_FORMS": "0"}
    data.update(changes)
    return data


def test_admin_edits_a_template_and_the_change_is_audited(client, db):
    user = get_user_model().objects.create_superuser("boss", "boss@example.com", "a-long-password-1")
    client.force_login(user)
    template = TemplateFactory(title="Standup")
    assert client.get("/admin/templates/template/").status_code == 200
    response = client.post(f"/admin/templates/template/{template.id}/change/", _form(title="Daily standup"))
    assert response.status_code == 302, response.content[:3000]
    template.refresh_from_db()
    assert template.title == "Daily standup"
    assert AuditEntry.objects.filter(entity="template", entity_id=str(template.id), action="update",
                                     actor_name="boss").exists()
    refused = client.post(f"/admin/templates/template/{template.id}/change/", _form(title="{{no.such.key}}"))
    assert refused.status_code == 200
    template.refresh_from_db()
    assert template.title == "Daily standup"
