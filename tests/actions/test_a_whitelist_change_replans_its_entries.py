"""Changing a whitelist entry re-plans the timed entries that fire its command."""

from __future__ import annotations

from datetime import timedelta

from apps.commands.models import ActionFiring, Command
from apps.commands.timed import fire_due
from tests.actions.conftest import SUNDAY_2AM

END = SUNDAY_2AM + timedelta(hours=1)


def test_a_new_timing_moves_the_scheduled_firings(clock, timed, create_entry):
    entry = timed("at_start")
    event_id = create_entry("ACTION: BACKUP N8N keep=3", SUNDAY_2AM, END).json()["id"]

    entry.fire = "at_end"
    entry.save()

    assert ActionFiring.objects.get(event_id=event_id, state="scheduled").fire_at == END


def test_disabling_the_command_cancels_and_enabling_it_brings_the_firing_back(clock, timed, create_entry):
    entry = timed("at_start")
    event_id = create_entry("ACTION: BACKUP N8N keep=3", SUNDAY_2AM, END).json()["id"]

    entry.enabled = False
    entry.save()
    firing = ActionFiring.objects.get(event_id=event_id)
    assert (firing.state, firing.note) == ("cancelled", "command 'BACKUP' for system 'N8N' is disabled")

    entry.enabled = True
    entry.save()
    assert ActionFiring.objects.get(event_id=event_id).state == "scheduled"
    clock.move_to(SUNDAY_2AM)
    assert fire_due() == 1 and Command.objects.count() == 1
