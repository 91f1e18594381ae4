from __future__ import annotations

import pytest
from django.db import transaction

from apps.integrations import outbox
from apps.integrations.models import OutboxMessage


class Boom(Exception):
    pass


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_transaction_leaves_no_message_and_sends_nothing(receiver, endpoint):
    with pytest.raises(Boom), transaction.atomic():
        outbox.enqueue(transport="webhook", event_type="test.event", payload={"n": 1}, endpoint=endpoint)
        raise Boom

    assert OutboxMessage.objects.count() == 0
    assert receiver.requests == []


@pytest.mark.django_db(transaction=True)
def test_a_committed_message_is_delivered_after_commit(receiver, endpoint):
    with transaction.atomic():
        message = outbox.enqueue(transport="webhook", event_type="test.event", payload={"n": 1}, endpoint=endpoint)
        assert receiver.requests == []  # nothing external inside the transaction

    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.DELIVERED
    assert len(receiver.requests) == 1
    assert receiver.requests[0].headers["webhook-id"] == str(message.id)
    assert receiver.requests[0].json() == {
        "type": "test.event", "timestamp": message.created_at.isoformat().replace("+00:00", "Z"), "data": {"n": 1},
    }
    assert message.delivery_attempts.get().status_code == 200
