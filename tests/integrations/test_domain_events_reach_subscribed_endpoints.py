from __future__ import annotations

import json

from django.db import transaction
from standardwebhooks import Webhook

from apps.core.signals import emit
from apps.integrations.models import OutboxMessage


def test_only_enabled_endpoints_subscribed_to_the_type_get_a_message(receiver, make_endpoint,
                                                                     django_capture_on_commit_callbacks):
    wanted = make_endpoint(receiver.url, name="wanted", event_types=["command.completed"])
    everything = make_endpoint(receiver.url, name="everything", event_types=["*"])
    make_endpoint(receiver.url, name="other", event_types=["command.failed"])
    make_endpoint(receiver.url, name="off", event_types=["*"], enabled=False)

    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        emit("command.completed", {"id": 5, "command": "X", "target_system": "S", "depth": 0})

    assert set(OutboxMessage.objects.values_list("endpoint__name", flat=True)) == {"wanted", "everything"}
    assert len(receiver.requests) == 2
    assert all(r.json()["type"] == "command.completed" for r in receiver.requests)
    assert {r.json()["data"]["id"] for r in receiver.requests} == {5}
    assert wanted.pk != everything.pk


def test_a_payload_template_shapes_the_body_and_is_still_signed(receiver, make_endpoint,
                                                                django_capture_on_commit_callbacks):
    from apps.templates.models import Template

    template = Template.objects.create(
        type="webhook", title="slack-ish",
        body_json='{"text": "{{data.command}} finished: {{data.note}}", "id": "{{data.id}}"}',
    )
    endpoint = make_endpoint(receiver.url, event_types=["*"], payload_template_id=template.pk)
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        emit("command.completed", {"id": 9, "command": "BACKUP", "target_system": "S", "depth": 0, "note": 'quotes " and \\ survive'})

    [request] = receiver.requests
    assert json.loads(request.body) == {"text": 'BACKUP finished: quotes " and \\ survive', "id": 9}
    Webhook(endpoint.plain_secret).verify(request.body, request.headers)


def test_a_deleted_template_falls_back_to_the_default_body(receiver, make_endpoint,
                                                           django_capture_on_commit_callbacks):
    make_endpoint(receiver.url, event_types=["*"], payload_template_id=123456)
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        emit("thing.happened", {"a": 1})
    assert receiver.requests[0].json()["data"] == {"a": 1}
