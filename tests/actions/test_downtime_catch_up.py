"""After downtime: a firing at most actions.catch_up_minutes late fires once; older ones are skipped."""

from __future__ import annotations

from datetime import timedelta

from apps.audit.models import AuditEntry
from apps.commands.models import ActionFiring, Command
from apps.commands.timed import fire_due
from tests.actions.conftest import SUNDAY_2AM

END = SUNDAY_2AM + timedelta(hours=1)


def test_a_firing_inside_the_window_fires_once_on_start(clock, timed, create_entry, settings):
    settings.CHRONOS = {**settings.CHRONOS, "actions": {"catch_up_minutes": 30}}
    timed("at_start")
    create_entry("ACTION: BACKUP N8N keep=3", SUNDAY_2AM, END)

    clock.move_to(SUNDAY_2AM + timedelta(minutes=29))  # the worker comes back 29 minutes late
    assert fire_due() == 1
    assert fire_due() == 0

    command = Command.objects.get()
    assert command.context["fire_at"] == "2027-01-03T02:00:00Z"
    assert ActionFiring.objects.get().state == "fired"


def test_a_firing_outside_the_window_is_skipped_audited_and_listed(clock, timed, create_entry, settings, api):
    settings.CHRONOS = {**settings.CHRONOS, "actions": {"catch_up_minutes": 30}}
    timed("at_start")
    create_entry("ACTION: BACKUP N8N keep=3", SUNDAY_2AM, END)

    clock.move_to(SUNDAY_2AM + timedelta(minutes=31))
    assert fire_due() == 1

    firing = ActionFiring.objects.get()
    assert firing.state == "skipped"
    assert firing.note == "31 min late, beyond the catch-up window of 30 min"
    assert not Command.objects.exists()
    entry = AuditEntry.objects.get(action="action.skipped", entity_id=str(firing.pk))
    assert entry.actor == "worker:actions"
    listed = api(scopes=["commands.read"]).get("/api/v1/actions?state=skipped").json()
    assert [(a["id"], a["state"], a["command_id"]) for a in listed["items"]] == [(firing.pk, "skipped", None)]
