from __future__ import annotations

import pytest

from apps.commands.models import Command

pytestmark = pytest.mark.django_db


def test_creating_a_command_checks_the_whitelist_and_answers_201(worker_api, n8n):
    response = worker_api.post(
        "/api/v1/commands", {"command": "ping", "target_system": "n8n", "parameters": {"n": "5"}}, format="json"
    )
    assert response.status_code == 201
    body = response.json()
    assert (body["command"], body["target_system"], body["parameters"], body["status"]) == (
        "PING",
        "N8N",
        {"n": 5},
        "PENDING",
    )


def test_a_command_the_whitelist_refuses_is_400_with_the_reason(worker_api, n8n):
    response = worker_api.post(
        "/api/v1/commands", {"command": "PING", "target_system": "N8N", "parameters": {"n": "many"}}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["detail"] == "parameter 'n' must be of type int: expected an integer, got 'many'"
    assert Command.objects.count() == 0


def test_an_idempotency_key_replays_the_first_answer(worker_api, n8n):
    body = {"command": "PING", "target_system": "N8N", "parameters": {}}
    first = worker_api.post("/api/v1/commands", body, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    again = worker_api.post("/api/v1/commands", body, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    assert Command.objects.count() == 1


def test_listing_filters_by_status_and_system_and_pages(worker_api, make_command):
    for _ in range(3):
        make_command()
    worker_api.get("/api/v1/commands/N8N?limit=1")
    body = worker_api.get("/api/v1/commands?status=pending&target_system=n8n&page_size=1").json()
    assert (body["total_count"], body["page_size"], len(body["items"])) == (2, 1, 1)
    assert body["items"][0]["status"] == "PENDING"
    assert worker_api.get("/api/v1/commands?status=LOST").status_code == 400


def test_the_detail_endpoint_shows_one_command(api, make_command):
    command = make_command()
    reader = api(scopes=["commands.read"])
    body = reader.get(f"/api/v1/commands/{command.pk}/detail").json()
    assert body["id"] == command.pk and body["parameters"] == {"n": 1}
    assert reader.get("/api/v1/commands/999999/detail").status_code == 404


def test_creating_needs_the_manage_scope(api, n8n):
    reader = api(scopes=["commands.read"])
    response = reader.post("/api/v1/commands", {"command": "PING", "target_system": "N8N"}, format="json")
    assert response.status_code == 403


def test_callback_views_accept_the_signed_callback_authenticator_when_present():
    from apps.commands.api import callback_authentication_classes
    from apps.core.auth import ApiKeyAuthentication

    assert ApiKeyAuthentication in callback_authentication_classes()
