from __future__ import annotations

from datetime import timedelta

from apps.audit.models import AuditEntry
from apps.commands.models import Command
from apps.events.models import Event, Note
from apps.sync.models import PendingPush
from tests.fakes.google_calendar import ApiError
from tests.sync.conftest import GOOGLE_ID, NOW


def test_an_action_entry_becomes_a_command_and_disappears_from_google(fake_google, sync):
    fake_google.add_event(GOOGLE_ID, "Plain meeting", NOW + timedelta(hours=1), NOW + timedelta(hours=2))
    action = fake_google.add_event(GOOGLE_ID, "ACTION: TRIGGER_WORKFLOW N8N workflow=daily-report priority=2",
                                   NOW + timedelta(hours=3), NOW + timedelta(hours=4))

    run = sync()

    assert run.status == "succeeded", run.errors
    assert (run.created, run.consumed, run.pushed) == (1, 1, 1)
    command = Command.objects.get()
    assert (command.command, command.target_system) == ("TRIGGER_WORKFLOW", "N8N")
    assert command.parameters == {"workflow": "daily-report", "priority": 2}
    assert command.source_event_id == action["id"]
    assert list(Event.objects.values_list("title", flat=True)) == ["Plain meeting"]
    assert fake_google.get(GOOGLE_ID, action["id"])["status"] == "cancelled"
    assert not PendingPush.objects.exists()

    again = sync()  # the cancellation comes back as a change: nothing new happens
    assert (again.consumed, Command.objects.count()) == (0, 1)


def test_a_failed_remote_delete_is_retried_without_a_second_command(fake_google, sync, chronos_config):
    chronos_config("google", num_retries=0)
    fake_google.add_event(GOOGLE_ID, "NOTIZ: call the bank", NOW + timedelta(hours=1), NOW + timedelta(hours=2))
    original = fake_google._delete

    def broken(*args, **kwargs):
        raise ApiError(500, "backend down")

    fake_google._delete = broken
    first = sync()
    assert first.consumed == 1 and first.pushed == 0
    pending = PendingPush.objects.get()
    assert pending.reason == "consumed" and pending.attempts == 1

    fake_google._delete = original
    PendingPush.objects.update(next_attempt_at=NOW)
    sync(full=True)  # even a full listing that still shows the entry does not consume it twice

    assert not PendingPush.objects.exists()
    assert Note.objects.count() == 1
    assert fake_google.events(GOOGLE_ID) == []


def test_a_refused_action_is_stored_and_flagged_with_the_reason(fake_google, sync):
    item = fake_google.add_event(GOOGLE_ID, "ACTION: SELF_DESTRUCT N8N", NOW + timedelta(hours=1),
                                 NOW + timedelta(hours=2))

    run = sync()

    event = Event.objects.get(external_id=item["id"])
    assert "rejected by command_handler" in event.plugin_error
    assert run.created == 1 and run.consumed == 0
    assert any(e["type"] == "plugin" for e in run.errors)
    assert AuditEntry.objects.filter(action="plugin_error", entity_id=str(event.pk)).exists()
    assert not Command.objects.exists()
    assert fake_google.get(GOOGLE_ID, item["id"])["status"] == "confirmed"
