from __future__ import annotations

import logging

from apps.integrations import outbox
from apps.integrations.models import DeliveryAttempt, OutboxMessage
from apps.integrations.transports.webhook import WebhookTransport


def test_one_raising_on_dead_hook_does_not_undo_the_other_results_of_its_batch(receiver, endpoint, monkeypatch,
                                                                               caplog):
    receiver.script(404, 404, 200)
    first = outbox.enqueue(transport="webhook", event_type="a", payload={}, endpoint=endpoint)
    second = outbox.enqueue(transport="webhook", event_type="b", payload={}, endpoint=endpoint)
    third = outbox.enqueue(transport="webhook", event_type="c", payload={}, endpoint=endpoint)
    hooked: list[str] = []

    def on_dead(self, message):
        hooked.append(message.event_type)
        if message.event_type == "a":
            raise RuntimeError("hook exploded")

    monkeypatch.setattr(WebhookTransport, "on_dead", on_dead)

    with caplog.at_level(logging.ERROR):
        outbox.sweep(max_seconds=5)

    statuses = {m.event_type: m.status for m in OutboxMessage.objects.filter(pk__in=[first.pk, second.pk, third.pk])}
    assert statuses == {"a": OutboxMessage.Status.DEAD, "b": OutboxMessage.Status.DEAD,
                        "c": OutboxMessage.Status.DELIVERED}
    assert hooked == ["a", "b"]
    assert DeliveryAttempt.objects.count() == 3
    assert "hook exploded" in caplog.text
