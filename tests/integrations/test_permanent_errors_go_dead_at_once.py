from __future__ import annotations

import pytest

from apps.integrations import outbox
from apps.integrations.models import OutboxMessage


@pytest.mark.parametrize("status", [400, 401, 403, 404, 413, 422])
def test_a_permanent_client_error_is_dead_after_one_attempt(receiver, endpoint, status):
    receiver.script((status, {}, b'{"error": "no such hook"}'))
    message = outbox.enqueue(transport="webhook", event_type="x", payload={}, endpoint=endpoint)
    outbox.sweep(max_seconds=5)
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.DEAD
    assert message.attempts == 1
    assert message.last_status_code == status
    assert message.last_response == '{"error": "no such hook"}'
    assert outbox.sweep(max_seconds=5) == {}
    assert len(receiver.requests) == 1


def test_410_gone_also_disables_the_endpoint(receiver, endpoint):
    receiver.script(410)
    message = outbox.enqueue(transport="webhook", event_type="x", payload={}, endpoint=endpoint)
    outbox.sweep(max_seconds=5)
    message.refresh_from_db()
    endpoint.refresh_from_db()
    assert message.status == OutboxMessage.Status.DEAD
    assert endpoint.enabled is False
    assert "410" in endpoint.disabled_reason


def test_a_redirect_is_not_followed(receiver, endpoint):
    receiver.script((302, {"Location": "http://127.0.0.1:9/elsewhere"}))
    message = outbox.enqueue(transport="webhook", event_type="x", payload={}, endpoint=endpoint)
    outbox.sweep(max_seconds=5)
    message.refresh_from_db()
    assert len(receiver.requests) == 1
    assert message.status == OutboxMessage.Status.PENDING
    assert "redirect not followed" in message.last_error
