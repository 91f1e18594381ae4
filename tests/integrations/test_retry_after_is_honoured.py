from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from apps.integrations import outbox
from apps.integrations.models import OutboxMessage


@pytest.mark.parametrize("status", [429, 503])
def test_retry_after_seconds_replace_the_scheduled_wait(receiver, endpoint, status):
    receiver.script((status, {"Retry-After": "120"}), 200)
    with time_machine.travel(timezone.now(), tick=False) as clock:
        message = outbox.enqueue(transport="webhook", event_type="x", payload={}, endpoint=endpoint)
        outbox.sweep(max_seconds=5)
        message.refresh_from_db()
        assert message.status == OutboxMessage.Status.PENDING
        assert (message.next_attempt_at - timezone.now()).total_seconds() == 120

        clock.shift(timedelta(seconds=119))
        assert outbox.sweep(max_seconds=5) == {}
        clock.shift(timedelta(seconds=1))
        assert outbox.sweep(max_seconds=5) == {"delivered": 1}
    assert len(receiver.requests) == 2


def test_retry_after_as_an_http_date_is_understood(receiver, endpoint):
    from email.utils import format_datetime

    now = timezone.now().replace(microsecond=0)
    receiver.script((429, {"Retry-After": format_datetime(now + timedelta(minutes=10), usegmt=True)}))
    with time_machine.travel(now, tick=False):
        message = outbox.enqueue(transport="webhook", event_type="x", payload={}, endpoint=endpoint)
        outbox.sweep(max_seconds=5)
        message.refresh_from_db()
        assert round((message.next_attempt_at - now).total_seconds()) == 600
