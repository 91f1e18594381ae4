"""A timed ACTION entry synced from Google stays in Google (it is the schedule) and fires at its time."""

from __future__ import annotations

from datetime import timedelta

from apps.commands.models import ActionFiring, Command
from apps.commands.timed import fire_due
from apps.events.models import Event
from apps.sync.models import PendingPush
from tests.sync.conftest import GOOGLE_ID, NOW
from tests.whitelists.factories import allow


def _timed_backup():
    entry = allow("N8N", "BACKUP", {"keep": "int"}, [])
    entry.fire, entry.fire_offset_minutes = "at_start", -5
    entry.save()


def test_a_synced_timed_entry_is_kept_scheduled_and_fires_once(fake_google, sync, frozen_now):
    _timed_backup()
    start = NOW + timedelta(hours=3)
    item = fake_google.add_event(GOOGLE_ID, "ACTION: BACKUP N8N keep=3", start, start + timedelta(hours=1))

    run = sync()

    assert run.status == "succeeded", run.errors
    assert (run.created, run.consumed) == (1, 0)
    event = Event.objects.get(external_id=item["id"])
    assert event.plugin_error == ""
    firing = ActionFiring.objects.get(event_id=event.pk)
    assert (firing.state, firing.fire_at) == ("scheduled", start - timedelta(minutes=5))
    assert fake_google.get(GOOGLE_ID, item["id"])["status"] == "confirmed"  # not consumed, not deleted
    assert not PendingPush.objects.exists()
    assert not Command.objects.exists()

    frozen_now.move_to(start - timedelta(minutes=5))
    assert fire_due() == 1
    sync()  # a later sync of the unchanged entry schedules nothing new
    assert fire_due() == 0
    command = Command.objects.get()
    assert command.context["event_id"] == event.pk and command.context["external_id"] == item["id"]
    assert ActionFiring.objects.get().state == "fired"


def test_a_synced_move_moves_the_firing_and_a_remote_delete_cancels_it(fake_google, sync):
    _timed_backup()
    start = NOW + timedelta(hours=3)
    item = fake_google.add_event(GOOGLE_ID, "ACTION: BACKUP N8N keep=3", start, start + timedelta(hours=1))
    sync()
    event = Event.objects.get(external_id=item["id"])

    later = start + timedelta(days=1)
    fake_google.update_event(GOOGLE_ID, item["id"], start={"dateTime": later.isoformat()},
                             end={"dateTime": (later + timedelta(hours=1)).isoformat()})
    sync()
    states = dict(ActionFiring.objects.filter(event_id=event.pk).values_list("occurrence_start", "state"))
    assert states == {start: "cancelled", later: "scheduled"}

    fake_google.delete_event(GOOGLE_ID, item["id"])
    sync()
    assert not Event.objects.filter(pk=event.pk).exists()
    assert set(ActionFiring.objects.filter(event_id=event.pk).values_list("state", flat=True)) == {"cancelled"}


def test_a_synced_retitle_into_an_ordinary_entry_cancels_the_firing(fake_google, sync):
    _timed_backup()
    start = NOW + timedelta(hours=3)
    item = fake_google.add_event(GOOGLE_ID, "ACTION: BACKUP N8N keep=3", start, start + timedelta(hours=1))
    sync()

    fake_google.update_event(GOOGLE_ID, item["id"], summary="Backup, done by hand")
    sync()

    firing = ActionFiring.objects.get()
    assert (firing.state, firing.note) == ("cancelled", "the entry is no longer an ACTION")
