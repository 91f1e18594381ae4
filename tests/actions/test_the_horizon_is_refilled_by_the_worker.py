"""Firings are written a bounded horizon ahead; the worker's hourly task extends it and forgets deleted entries."""

from __future__ import annotations

from datetime import timedelta

from apps.commands.models import ActionFiring, ActionHorizon
from apps.commands.tasks import refill_action_horizons
from apps.core.schedules import declared
from apps.events.models import Event
from tests.actions.conftest import SUNDAY_2AM


def test_the_refill_task_is_declared_hourly():
    found = {d.name: d for d in declared()}["actions.refill_horizons"]
    assert (found.func, found.minutes) == ("apps.commands.tasks.refill_action_horizons", 60)


def test_an_entry_beyond_the_horizon_is_written_when_its_start_enters_the_horizon(clock, timed, create_entry,
                                                                                  settings):
    settings.CHRONOS = {**settings.CHRONOS, "actions": {"horizon_days": 7}}
    timed("at_start", -60)
    far = SUNDAY_2AM + timedelta(days=20)
    event_id = create_entry("ACTION: BACKUP N8N keep=3", far, far + timedelta(hours=1)).json()["id"]
    assert not ActionFiring.objects.exists()
    # picked up by the refill once the firing (an hour before the start) is within 7 days
    assert ActionHorizon.objects.get(event_id=event_id).until == far - timedelta(hours=1) - timedelta(days=1)

    clock.move_to(far - timedelta(days=7, hours=2))
    assert refill_action_horizons() == 0
    assert not ActionFiring.objects.exists()

    clock.move_to(far - timedelta(days=7, hours=1) + timedelta(minutes=1))
    assert refill_action_horizons() == 1
    assert ActionFiring.objects.get(event_id=event_id).fire_at == far - timedelta(hours=1)
    assert not ActionHorizon.objects.exists()  # a single entry, written: nothing left to refill


def test_a_written_single_entry_keeps_no_horizon(clock, timed, create_entry):
    timed("at_start")
    create_entry("ACTION: BACKUP N8N keep=3", SUNDAY_2AM, SUNDAY_2AM + timedelta(hours=1))

    assert ActionFiring.objects.count() == 1
    assert not ActionHorizon.objects.exists()


def test_a_horizon_of_a_vanished_entry_is_dropped(clock, timed, create_entry, settings):
    timed("at_start")
    far = SUNDAY_2AM + timedelta(days=60)
    event_id = create_entry("ACTION: BACKUP N8N keep=3", far, far + timedelta(hours=1)).json()["id"]
    assert ActionHorizon.objects.filter(event_id=event_id).exists()
    Event.objects.filter(pk=event_id)._raw_delete(Event.objects.db)

    clock.move_to(far - timedelta(days=30))
    refill_action_horizons()

    assert not ActionHorizon.objects.exists()
    assert not ActionFiring.objects.exists()
