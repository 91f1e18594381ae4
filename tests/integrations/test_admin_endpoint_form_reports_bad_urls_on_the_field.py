from __future__ import annotations

import re

import pytest

from apps.integrations.models import WebhookEndpoint

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("url", ["https://user:pw@n8n.example.com/hook", "ftp://n8n.example.com/hook"])
def test_the_admin_shows_a_refused_url_as_a_form_error_not_a_500(admin_client, url):
    response = admin_client.post("/admin/integrations/webhookendpoint/add/", {
        "name": "n8n", "url": url, "event_types": "*", "target_system": "", "enabled": "on",
        "timeout_seconds": "10",
    })
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "url" in errors
    assert not WebhookEndpoint.objects.filter(name="n8n").exists()


def test_the_admin_shows_bad_event_types_as_a_form_error_not_a_500(admin_client):
    response = admin_client.post("/admin/integrations/webhookendpoint/add/", {
        "name": "n8n", "url": "https://n8n.example.com/hook", "event_types": '[1, ""]', "target_system": "",
        "enabled": "on", "timeout_seconds": "10",
    })
    assert response.status_code == 200
    assert "event_types" in response.context["adminform"].form.errors
    assert not WebhookEndpoint.objects.filter(name="n8n").exists()


def test_event_types_are_ticked_boxes(admin_client):
    response = admin_client.post("/admin/integrations/webhookendpoint/add/", {
        "name": "n8n", "url": "https://n8n.example.com/hook", "event_types": ["command.completed", "command.failed"],
        "target_system": "n8n", "enabled": "on", "timeout_seconds": "10",
    })
    assert response.status_code == 302
    endpoint = WebhookEndpoint.objects.get(name="n8n")
    assert endpoint.event_types == ["command.completed", "command.failed"]
    page = admin_client.get(f"/admin/integrations/webhookendpoint/{endpoint.pk}/change/").content.decode()
    assert 'type="checkbox" name="event_types" value="command.completed"' in page
    assert re.search(r'value="command.completed"[^>]*checked', page)
    assert not re.search(r'value="command.created"[^>]*checked', page)
