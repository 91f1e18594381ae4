"""Editing a timed entry before fire_at moves or changes what fires; deleting it cancels."""

from __future__ import annotations

from datetime import timedelta

from apps.audit.models import AuditEntry
from apps.commands.models import ActionFiring, Command
from apps.commands.timed import fire_due
from tests.actions.conftest import SUNDAY_2AM, iso

END = SUNDAY_2AM + timedelta(hours=1)


def test_moving_the_entry_moves_its_firing(clock, timed, create_entry, writer):
    timed("at_start")
    event_id = create_entry("ACTION: BACKUP N8N keep=3", SUNDAY_2AM, END).json()["id"]
    later = SUNDAY_2AM + timedelta(hours=3)

    response = writer.patch(f"/api/v1/events/{event_id}", {"start_time": iso(later),
                                                            "end_time": iso(later + timedelta(hours=1))},
                            format="json")

    assert response.status_code == 200, response.content
    rows = {r.occurrence_start: r for r in ActionFiring.objects.filter(event_id=event_id)}
    assert rows[SUNDAY_2AM].state == "cancelled"
    assert (rows[later].state, rows[later].fire_at) == ("scheduled", later)
    clock.move_to(SUNDAY_2AM + timedelta(minutes=1))
    assert fire_due() == 0 and not Command.objects.exists()
    clock.move_to(later)
    assert fire_due() == 1
    assert Command.objects.get().context["occurrence_start"] == iso(later)


def test_editing_the_parameters_changes_what_fires(clock, timed, create_entry, writer):
    timed("at_start")
    event_id = create_entry("ACTION: BACKUP N8N keep=3", SUNDAY_2AM, END).json()["id"]

    writer.patch(f"/api/v1/events/{event_id}", {"title": "ACTION: BACKUP N8N keep=7"}, format="json")

    clock.move_to(SUNDAY_2AM)
    fire_due()
    assert Command.objects.get().parameters == {"keep": 7}


def test_retitling_it_into_an_ordinary_entry_cancels_the_firing(clock, timed, create_entry, writer):
    timed("at_start")
    event_id = create_entry("ACTION: BACKUP N8N keep=3", SUNDAY_2AM, END).json()["id"]

    writer.patch(f"/api/v1/events/{event_id}", {"title": "Backup (done by hand this week)"}, format="json")

    firing = ActionFiring.objects.get(event_id=event_id)
    assert (firing.state, firing.note) == ("cancelled", "the entry is no longer an ACTION")
    clock.move_to(SUNDAY_2AM)
    assert fire_due() == 0 and not Command.objects.exists()


def test_deleting_the_entry_before_fire_at_cancels_it(clock, timed, create_entry, writer):
    timed("at_start")
    event_id = create_entry("ACTION: BACKUP N8N keep=3", SUNDAY_2AM, END).json()["id"]

    assert writer.delete(f"/api/v1/events/{event_id}").status_code == 204

    firing = ActionFiring.objects.get(event_id=event_id)
    assert (firing.state, firing.note) == ("cancelled", "the entry was deleted")
    assert AuditEntry.objects.filter(action="action.cancelled", entity_id=str(firing.pk)).exists()
    clock.move_to(SUNDAY_2AM)
    assert fire_due() == 0 and not Command.objects.exists()


def test_a_firing_whose_entry_vanished_without_a_signal_is_cancelled_not_fired(clock, timed, create_entry):
    from apps.events.models import Event

    timed("at_start")
    event_id = create_entry("ACTION: BACKUP N8N keep=3", SUNDAY_2AM, END).json()["id"]
    Event.objects.filter(pk=event_id)._raw_delete(Event.objects.db)  # no signals, as a raw delete

    clock.move_to(SUNDAY_2AM)
    assert fire_due() == 1
    assert ActionFiring.objects.get(event_id=event_id).state == "cancelled"
    assert not Command.objects.exists()


def test_a_change_that_missed_the_scheduler_is_honoured_at_fire_time(clock, timed, create_entry):
    from apps.events.models import Event

    timed("at_start")
    event_id = create_entry("ACTION: BACKUP N8N keep=3", SUNDAY_2AM, END).json()["id"]
    Event.objects.filter(pk=event_id).update(title="Backup, done by hand")  # no signal

    clock.move_to(SUNDAY_2AM)
    assert fire_due() == 1
    firing = ActionFiring.objects.get(event_id=event_id)
    assert (firing.state, firing.note) == ("cancelled", "the entry is no longer an ACTION")
    assert not Command.objects.exists()
