from __future__ import annotations

import pytest

from apps.workflows.models import Workflow

pytestmark = pytest.mark.django_db

VALID = {
    "name": "notify",
    "trigger_command": "fetch",
    "trigger_system": "n8n",
    "follow_up_command": "SEND_MESSAGE",
    "follow_up_system": "TELEGRAM",
    "follow_up_params": {"text": "{{command.result.summary}}"},
    "delay_seconds": 60,
    "enabled": True,
}


def test_an_admin_creates_lists_updates_and_deletes_a_workflow(admin_api, entries):
    created = admin_api.post("/api/v1/workflows", VALID, format="json")
    assert created.status_code == 201, created.json()
    body = created.json()
    assert (body["trigger_command"], body["trigger_system"]) == ("FETCH", "N8N")
    listing = admin_api.get("/api/v1/workflows").json()
    assert listing["total_count"] == 1
    patched = admin_api.patch(f"/api/v1/workflows/{body['id']}", {"enabled": False}, format="json")
    assert patched.status_code == 200 and patched.json()["enabled"] is False
    assert admin_api.delete(f"/api/v1/workflows/{body['id']}").status_code == 204
    assert Workflow.objects.count() == 0


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"follow_up_system": "FAX"}, "follow_up_command", "SEND_MESSAGE on FAX is not whitelisted"),
        (
            {"follow_up_params": {"bogus": "x"}},
            "follow_up_params",
            "parameter 'bogus' is not allowed for SEND_MESSAGE on TELEGRAM",
        ),
        (
            {"follow_up_params": {"text": "{{secret.key}}"}},
            "follow_up_params",
            "placeholder {{secret.key}} must start with one of command, event, workflow",
        ),
        (
            {"follow_up_params": {"text": "hi", "chat_id": "not-a-number"}},
            "follow_up_params",
            "parameter 'chat_id' must be of type int: expected an integer, got 'not-a-number'",
        ),
        (
            {"follow_up_params": {"chat_id": 42}},
            "follow_up_params",
            "missing required parameter 'text' for SEND_MESSAGE on TELEGRAM",
        ),
        ({"delay_seconds": -5}, "delay_seconds", None),
        ({"follow_up_params": ["x"]}, "follow_up_params", None),
    ],
)
def test_an_invalid_workflow_is_400_and_not_stored(admin_api, entries, change, field, message):
    response = admin_api.post("/api/v1/workflows", {**VALID, **change}, format="json")
    assert response.status_code == 400
    assert field in response.json()
    if message:
        assert message in response.json()[field]
    assert Workflow.objects.count() == 0


def test_workflows_need_the_admin_scope(api, entries):
    assert api(scopes=["commands.manage"]).get("/api/v1/workflows").status_code == 403
