from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from apps.integrations import outbox
from apps.integrations.models import OutboxMessage

pytestmark = pytest.mark.usefixtures("no_jitter")

SCHEDULE = [0, 5, 300, 1800, 7200, 18000, 36000, 36000]


def test_failed_attempts_follow_the_schedule_and_end_dead(receiver, endpoint):
    receiver.default_status = 500
    start = timezone.now().replace(microsecond=0)
    with time_machine.travel(start, tick=False) as clock:
        message = outbox.enqueue(transport="webhook", event_type="x", payload={}, endpoint=endpoint)
        waits = []
        for attempt in range(1, len(SCHEDULE) + 1):
            outbox.sweep(max_seconds=5)
            message.refresh_from_db()
            assert message.attempts == attempt
            if attempt < len(SCHEDULE):
                assert message.status == OutboxMessage.Status.PENDING
                wait = (message.next_attempt_at - timezone.now()).total_seconds()
                waits.append(wait)
                # Nothing happens before the time is up ...
                clock.shift(timedelta(seconds=wait - 1))
                assert outbox.sweep(max_seconds=5) == {}
                clock.shift(timedelta(seconds=1))
    assert waits == SCHEDULE[1:]
    assert message.status == OutboxMessage.Status.DEAD
    assert "gave up after 8 attempts" in message.last_error
    assert len(receiver.requests) == 8
    assert {r.headers["webhook-id"] for r in receiver.requests} == {str(message.id)}
    assert list(message.delivery_attempts.values_list("number", "status_code", "outcome")) == [
        *[(n, 500, "retry") for n in range(1, 8)], (8, 500, "dead"),
    ]


def test_jitter_spreads_waits_within_ten_percent(settings, receiver, endpoint):
    chronos = dict(settings.CHRONOS)
    chronos["integrations"] = {"outbox": {"jitter_ratio": 0.1}}
    settings.CHRONOS = chronos
    receiver.script(500, 500)
    with time_machine.travel(timezone.now(), tick=False) as clock:
        message = outbox.enqueue(transport="webhook", event_type="x", payload={}, endpoint=endpoint)
        outbox.sweep(max_seconds=5)
        clock.shift(timedelta(seconds=6))
        outbox.sweep(max_seconds=5)
        message.refresh_from_db()
        wait = (message.next_attempt_at - timezone.now()).total_seconds()
    assert 270 <= wait <= 330


@pytest.mark.parametrize("status", [408, 409, 425, 500, 502])
def test_these_statuses_are_retried(receiver, endpoint, status):
    receiver.script(status)
    message = outbox.enqueue(transport="webhook", event_type="x", payload={}, endpoint=endpoint)
    outbox.sweep(max_seconds=5)
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.PENDING
    assert message.last_status_code == status


def test_a_receiver_that_is_down_is_retried(make_endpoint):
    from tests.fakes.webhook_receiver import WebhookReceiver

    closed = WebhookReceiver()
    url = closed.url
    closed.stop()
    message = outbox.enqueue(transport="webhook", event_type="x", payload={}, endpoint=make_endpoint(url))
    outbox.sweep(max_seconds=5)
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.PENDING
    assert message.last_error.startswith("connection failed")
