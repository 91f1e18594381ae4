"""The worker's loop: fire what is due, then sleep until the next fire_at, never longer than the bound."""

from __future__ import annotations

from datetime import timedelta

from apps.commands import timed as timed_actions
from apps.commands.models import Command
from apps.commands.timed import next_fire_at, run_loop, seconds_until_next
from tests.actions.conftest import NOW, SUNDAY_2AM


class StopAfter:
    """Stops the loop after ``naps`` sleeps and records what it was asked to sleep."""

    def __init__(self, naps: int) -> None:
        self.naps, self.asked, self.requested = naps, [], False


def test_with_nothing_scheduled_it_sleeps_the_bound(clock, db):
    assert next_fire_at() is None
    assert seconds_until_next(NOW, 2.0) == 2.0


def test_it_sleeps_until_the_next_fire_at_but_not_past_the_bound(clock, timed, create_entry):
    timed("at_start")
    create_entry("ACTION: BACKUP N8N keep=3", SUNDAY_2AM, SUNDAY_2AM + timedelta(hours=1))

    assert next_fire_at() == SUNDAY_2AM
    assert seconds_until_next(SUNDAY_2AM - timedelta(seconds=1.5), 2.0) == 1.5
    assert seconds_until_next(SUNDAY_2AM - timedelta(hours=1), 2.0) == 2.0
    assert seconds_until_next(SUNDAY_2AM + timedelta(seconds=3), 2.0) == 0.0


def test_one_turn_of_the_loop_fires_what_is_due(clock, timed, create_entry, monkeypatch):
    timed("at_start")
    create_entry("ACTION: BACKUP N8N keep=3", SUNDAY_2AM, SUNDAY_2AM + timedelta(hours=1))
    clock.move_to(SUNDAY_2AM)
    stop = StopAfter(1)

    def nap(flag, seconds):
        flag.asked.append(seconds)
        flag.requested = True

    monkeypatch.setattr(timed_actions, "_nap", nap)
    # The worker closes broken connections between turns; the test's transaction must stay open.
    monkeypatch.setattr(timed_actions, "close_old_connections", lambda: None)
    run_loop(stop)

    assert Command.objects.count() == 1
    assert stop.asked == [2.0]  # nothing else scheduled: the bounded nap
