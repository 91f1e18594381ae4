from __future__ import annotations

import pytest

from apps.integrations.models import WebhookEndpoint

URL = "/api/v1/webhook-endpoints"


@pytest.fixture
def client(api):
    return api(scopes=["integrations.manage"])


def test_the_secret_is_in_the_create_answer_only(client):
    response = client.post(URL, {"name": "n8n", "url": "https://n8n.example.com/webhook/abc",
                                 "event_types": ["command.completed"], "target_system": "n8n"}, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["secret"].startswith("whsec_")
    assert body["target_system"] == "N8N"
    assert body["timeout_seconds"] == 10
    again = client.get(f"{URL}/{body['id']}").json()
    assert "secret" not in again
    assert WebhookEndpoint.objects.get().secret == body["secret"]
    listed = client.get(URL).json()
    assert listed["total_count"] == 1 and "secret" not in listed["items"][0]


@pytest.mark.parametrize("url", ["ftp://example.com/x", "javascript:alert(1)", "https://user:pw@example.com/",
                                 "not a url", "file:///etc/passwd"])
def test_only_http_urls_are_accepted(client, url):
    response = client.post(URL, {"name": "x", "url": url}, format="json")
    assert response.status_code == 400
    assert "url" in response.json()
    assert WebhookEndpoint.objects.count() == 0


def test_bad_fields_are_400_with_the_field(client):
    assert "event_types" in client.post(URL, {"name": "x", "url": "https://a.example", "event_types": "all"},
                                        format="json").json()
    assert "timeout_seconds" in client.post(URL, {"name": "x", "url": "https://a.example", "timeout_seconds": 999},
                                            format="json").json()
    assert "payload_template_id" in client.post(URL, {"name": "x", "url": "https://a.example",
                                                      "payload_template_id": 99999}, format="json").json()


def test_a_target_system_is_bound_to_one_endpoint_only(client):
    assert client.post(URL, {"name": "a", "url": "https://a.example", "target_system": "N8N"},
                       format="json").status_code == 201
    response = client.post(URL, {"name": "b", "url": "https://b.example", "target_system": "n8n"}, format="json")
    assert response.status_code == 400
    assert "target_system" in response.json()


def test_update_and_delete(client):
    created = client.post(URL, {"name": "a", "url": "https://a.example"}, format="json").json()
    patched = client.patch(f"{URL}/{created['id']}", {"enabled": False, "event_types": ["*"]}, format="json")
    assert patched.status_code == 200 and patched.json()["enabled"] is False and "secret" not in patched.json()
    assert client.delete(f"{URL}/{created['id']}").status_code == 204


def test_other_scopes_are_refused(api):
    assert api(scopes=["commands.manage"]).get(URL).status_code == 403
