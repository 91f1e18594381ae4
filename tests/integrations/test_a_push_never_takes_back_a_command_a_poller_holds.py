from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from apps.commands.models import Command
from apps.commands.services import claim, create_command, release_push
from apps.integrations import outbox
from apps.integrations.models import OutboxMessage
from apps.integrations.transports.webhook import WebhookTransport


@pytest.fixture
def n8n(receiver, make_endpoint, whitelisted):
    return make_endpoint(receiver.url, name="n8n", target_system="n8n", event_types=[])


@pytest.fixture
def pushed(n8n, receiver, django_capture_on_commit_callbacks):
    """A command claimed for a push whose first attempt failed (503): the message waits for a retry."""
    receiver.script(503)
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        command = create_command(command="SEND_EMAIL", target_system="N8N", parameters={"to": "a@example.com"})
    message = OutboxMessage.objects.get(target__push_command_id=command.pk)
    assert message.status == OutboxMessage.Status.PENDING
    return command, message


def _lease_expires_and_a_poller_claims(command: Command) -> Command:
    # What the expired-lease check does, then a poll.
    Command.objects.filter(pk=command.pk).update(status="PENDING", timeout_at=None,
                                                 available_at=timezone.now() - timedelta(seconds=1))
    [held] = claim(system="N8N", limit=1)
    return Command.objects.get(pk=held.pk)


def test_the_push_records_the_lease_it_took(pushed):
    command, message = pushed
    command.refresh_from_db()
    assert message.target["push_lease_until"] == command.timeout_at.isoformat()


def test_a_push_that_goes_dead_after_its_lease_expired_leaves_the_pollers_claim_alone(pushed):
    command, message = pushed
    held = _lease_expires_and_a_poller_claims(command)

    WebhookTransport().on_dead(message)

    after = Command.objects.get(pk=command.pk)
    assert (after.status, after.timeout_at) == ("PROCESSING", held.timeout_at)


def test_release_push_with_a_foreign_lease_does_nothing_and_without_one_checks_the_status(pushed):
    command, message = pushed
    held = _lease_expires_and_a_poller_claims(command)
    release_push(command_id=command.pk, lease_until=held.timeout_at - timedelta(seconds=1))
    assert Command.objects.get(pk=command.pk).status == "PROCESSING"
    release_push(command_id=command.pk)  # old callers: status only, as before
    assert Command.objects.get(pk=command.pk).status == "PENDING"


def test_a_retried_push_is_not_sent_once_a_poller_holds_the_command(pushed, receiver):
    command, message = pushed
    held = _lease_expires_and_a_poller_claims(command)
    OutboxMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())

    outbox.sweep(max_seconds=5)

    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.DELIVERED
    assert message.last_response.startswith(f"not sent: command {command.pk} is no longer held by this push")
    assert len(receiver.requests) == 1  # only the first, failed attempt reached the receiver
    after = Command.objects.get(pk=command.pk)
    assert (after.status, after.timeout_at) == ("PROCESSING", held.timeout_at)
