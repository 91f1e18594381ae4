from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.integrations import outbox
from apps.integrations.models import OutboxMessage


@pytest.fixture
def dead(receiver, endpoint):
    receiver.script(400)
    message = outbox.enqueue(transport="webhook", event_type="x", payload={"n": 1}, endpoint=endpoint)
    outbox.sweep(max_seconds=5)
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.DEAD
    return message


def test_dead_then_retry_through_the_api_then_delivered_with_the_same_id(api, dead, receiver,
                                                                          django_capture_on_commit_callbacks):
    client = api(scopes=["integrations.manage"])
    assert [m["id"] for m in client.get("/api/v1/outbox?status=dead").json()["items"]] == [str(dead.id)]

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/api/v1/outbox/{dead.id}/retry")
    assert response.status_code == 202

    dead.refresh_from_db()
    assert dead.status == OutboxMessage.Status.DELIVERED
    assert [r.headers["webhook-id"] for r in receiver.requests] == [str(dead.id)] * 2
    detail = client.get(f"/api/v1/outbox/{dead.id}").json()
    assert [(a["status_code"], a["outcome"]) for a in detail["delivery_attempts"]] == [(400, "dead"), (200, "delivered")]


def test_retrying_a_delivered_message_is_409(api, receiver, endpoint):
    message = outbox.enqueue(transport="webhook", event_type="x", payload={}, endpoint=endpoint)
    outbox.sweep(max_seconds=5)
    response = api(scopes=["integrations.manage"]).post(f"/api/v1/outbox/{message.id}/retry")
    assert response.status_code == 409
    assert "delivered" in response.json()["detail"]


def test_the_outbox_api_needs_integrations_manage(api):
    assert api(scopes=["events.read"]).get("/api/v1/outbox").status_code == 403
    assert api(scopes=["integrations.manage"]).get("/api/v1/outbox?status=bogus").status_code == 400
    assert api(scopes=["integrations.manage"]).post("/api/v1/outbox/not-a-uuid/retry").status_code == 404


def test_the_admin_lists_dead_letters_and_retries_all_dead_since(admin_client, dead, receiver,
                                                                  django_capture_on_commit_callbacks):
    page = admin_client.get("/admin/integrations/outboxmessage/?status__exact=dead")
    assert page.status_code == 200 and str(dead.id) in page.content.decode()
    detail = admin_client.get(f"/admin/integrations/outboxmessage/{dead.id}/change/")
    assert detail.status_code == 200 and "400" in detail.content.decode()

    form = admin_client.get("/admin/integrations/outboxmessage/retry-dead-since/")
    assert form.status_code == 200 and "1 message(s) are dead" in form.content.decode()
    since = timezone.localtime(timezone.now() - timedelta(hours=1))
    with django_capture_on_commit_callbacks(execute=True):
        done = admin_client.post("/admin/integrations/outboxmessage/retry-dead-since/",
                                 {"since_0": since.strftime("%Y-%m-%d"), "since_1": since.strftime("%H:%M:%S")})
    assert done.status_code == 302
    dead.refresh_from_db()
    assert dead.status == OutboxMessage.Status.DELIVERED


def test_the_admin_action_retries_selected_messages(admin_client, dead, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post("/admin/integrations/outboxmessage/",
                          {"action": "retry_selected", "_selected_action": [str(dead.id)]})
    dead.refresh_from_db()
    assert dead.status == OutboxMessage.Status.DELIVERED


def test_delivered_messages_are_pruned_after_the_retention_but_dead_ones_stay(receiver, endpoint, dead):
    delivered = outbox.enqueue(transport="webhook", event_type="x", payload={}, endpoint=endpoint)
    outbox.sweep(max_seconds=5)
    assert outbox.prune(now=timezone.now() + timedelta(days=6)) == 0
    assert outbox.prune(now=timezone.now() + timedelta(days=8)) >= 1
    assert not OutboxMessage.objects.filter(id=delivered.id).exists()
    assert OutboxMessage.objects.filter(id=dead.id).exists()


def test_the_retry_message_counts_what_it_did_on_a_filtered_list(admin_client, dead):
    response = admin_client.post("/admin/integrations/outboxmessage/?status__exact=dead",
                                 {"action": "retry_selected", "_selected_action": [str(dead.id)]}, follow=True)
    page = response.content.decode()
    assert "1 message(s) queued again." in page
    assert "skipped" not in page
