from __future__ import annotations

from apps.integrations import outbox
from apps.integrations.models import OutboxMessage


def test_health_reports_the_outbox_backlog(client, db):
    OutboxMessage.objects.create(transport="webhook", event_type="x", status="dead")
    OutboxMessage.objects.create(transport="webhook", event_type="x")
    body = client.get("/health").json()
    assert body["checks"]["outbox"]["dead"] == 1
    assert body["checks"]["outbox"]["pending"] == 1


def test_the_same_dedupe_key_gives_the_same_message(db):
    first = outbox.enqueue(transport="telegram", event_type="x", payload={"text": "a"}, target={"chat_id": 1},
                           dedupe_key="k1")
    second = outbox.enqueue(transport="telegram", event_type="x", payload={"text": "b"}, target={"chat_id": 1},
                            dedupe_key="k1")
    assert first.id == second.id
    assert OutboxMessage.objects.count() == 1


def test_an_unknown_transport_is_dead_at_once(db):
    message = outbox.enqueue(transport="pigeon", event_type="x", payload={})
    outbox.sweep(max_seconds=5)
    message.refresh_from_db()
    assert message.status == "dead"
    assert "unknown transport" in message.last_error
