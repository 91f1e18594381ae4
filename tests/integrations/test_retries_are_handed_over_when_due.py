"""A retry is handed to the queue when it falls due, not at the next minute sweep."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from apps.core import loops
from apps.integrations import outbox, retry_timer
from apps.integrations.models import OutboxMessage
from apps.integrations.retry_timer import LOOK_AGAIN_SECONDS, RetryTimer

pytestmark = pytest.mark.usefixtures("no_jitter")


def _failed_once(receiver, endpoint, start) -> OutboxMessage:
    """A message whose first attempt (at ``start``) got a 500: its retry is due 5 s later."""
    receiver.script(500)
    message = outbox.enqueue(transport="webhook", event_type="x", payload={}, endpoint=endpoint)
    assert outbox.sweep(max_seconds=5) == {"retry": 1}
    message.refresh_from_db()
    assert message.next_attempt_at == start + timedelta(seconds=5)
    return message


def test_the_timer_sleeps_until_the_retry_is_due_then_it_is_delivered(receiver, endpoint):
    start = timezone.now().replace(microsecond=0)
    timer = RetryTimer()
    with time_machine.travel(start, tick=False) as clock:
        message = _failed_once(receiver, endpoint, start)

        clock.shift(timedelta(seconds=1))
        assert timer.tick() == LOOK_AGAIN_SECONDS  # due in 4 s: look again (new retries) in 1 s
        clock.shift(timedelta(seconds=3.25))
        assert timer.tick() == 0.75  # exactly until the retry's time
        assert len(receiver.requests) == 1

        clock.shift(timedelta(seconds=0.75))  # start + 5 s: handed over (inline in tests) and sent
        timer.tick()
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.DELIVERED
    assert len(receiver.requests) == 2
    assert list(message.delivery_attempts.values_list("number", "started_at")) == [
        (1, start), (2, start + timedelta(seconds=5))]


def test_a_due_retry_is_handed_over_once_until_it_fails_again(receiver, endpoint, monkeypatch):
    handed = []
    monkeypatch.setattr(outbox, "queue_delivery", handed.append)  # the queue never picks it up
    start = timezone.now().replace(microsecond=0)
    timer = RetryTimer()
    with time_machine.travel(start, tick=False) as clock:
        message = _failed_once(receiver, endpoint, start)
        clock.shift(timedelta(seconds=5))
        timer.tick()
        timer.tick()
        assert handed == [message.id]

        # Delivered by the sweep and failed again: a new time, so a new hand-over when due.
        receiver.script(500)
        assert outbox.sweep(max_seconds=5) == {"retry": 1}
        message.refresh_from_db()
        assert message.next_attempt_at == start + timedelta(seconds=305)
        clock.shift(timedelta(seconds=300))
        timer.tick()
    assert handed == [message.id, message.id]


def test_new_messages_are_left_to_their_own_hand_over(db, endpoint, monkeypatch, settings):
    handed = []
    monkeypatch.setattr(outbox, "queue_delivery", handed.append)
    settings.CHRONOS = {**settings.CHRONOS, "integrations": {"outbox": {"dispatch_on_commit": False}}}
    outbox.enqueue(transport="webhook", event_type="x", payload={}, endpoint=endpoint)
    assert RetryTimer().tick() == LOOK_AGAIN_SECONDS
    assert handed == []


def test_every_worker_runs_the_timer():
    assert loops.registered()["outbox-retry-timer"] is retry_timer.run
