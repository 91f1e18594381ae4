"""A series fires once per occurrence, at local wall-clock time across DST; removed occurrences never fire.

The occurrences come from ``apps.events.recurrence.occurrences``; here a stand-in series (every
Sunday 09:30 Europe/Berlin, minus removed dates) takes its place, so these tests hold the firing
side to the same promise whatever computes the occurrences.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from apps.commands import timed as timed_actions
from apps.commands.models import ActionFiring, Command
from apps.commands.timed import fire_due
from apps.events.models import Calendar, Event
from apps.events.recurrence import Occurrence

BERLIN = ZoneInfo("Europe/Berlin")
FIRST = date(2027, 3, 21)  # CET; Berlin moves to summer time on 28 March 2027
removed: set[date] = set()


def weekly(event, start, end):
    found, day = [], FIRST
    while True:
        local = datetime.combine(day, time(9, 30), BERLIN)
        at = local.astimezone(UTC)
        if at >= end:
            return found
        if at + timedelta(hours=1) > start and day not in removed:
            found.append(Occurrence(start=at, end=at + timedelta(hours=1), original_start=at, event=event))
        day += timedelta(days=7)


@pytest.fixture
def series(timed, monkeypatch, time_machine):
    removed.clear()
    monkeypatch.setattr(timed_actions, "occurrences", weekly)
    time_machine.move_to(datetime(2027, 3, 20, 12, 0, tzinfo=UTC), tick=False)
    timed("at_start")
    calendar = Calendar.objects.create(id="home", name="Home", timezone="Europe/Berlin")
    start = datetime.combine(FIRST, time(9, 30), BERLIN).astimezone(UTC)
    return Event.objects.create(calendar=calendar, title="ACTION: BACKUP N8N keep=3", start_time=start,
                                end_time=start + timedelta(hours=1), timezone="Europe/Berlin")


def test_each_occurrence_fires_once_at_0930_local_across_dst(series, time_machine):
    fire_times = list(ActionFiring.objects.filter(event_id=series.pk).values_list("fire_at", flat=True))
    assert [t.astimezone(BERLIN).strftime("%m-%d %H:%M %Z") for t in fire_times[:3]] == [
        "03-21 09:30 CET", "03-28 09:30 CEST", "04-04 09:30 CEST"]
    assert fire_times[0] == datetime(2027, 3, 21, 8, 30, tzinfo=UTC)
    assert fire_times[1] == datetime(2027, 3, 28, 7, 30, tzinfo=UTC)

    for at in fire_times[:2]:
        time_machine.move_to(at, tick=False)
        assert fire_due() == 1
        assert fire_due() == 0
    keys = list(Command.objects.order_by("id").values_list("idempotency_key", flat=True))
    assert keys == [f"event:{series.pk}:20270321T083000Z", f"event:{series.pk}:20270328T073000Z"]


def test_a_removed_occurrence_is_cancelled_and_never_fires(series, time_machine):
    removed.add(date(2027, 4, 4))  # an EXDATE, or an occurrence cancelled on its own
    series.save()  # any change to the series re-plans its firings

    april_4 = datetime(2027, 4, 4, 7, 30, tzinfo=UTC)
    assert ActionFiring.objects.get(event_id=series.pk, occurrence_start=april_4).state == "cancelled"
    time_machine.move_to(april_4 + timedelta(minutes=1), tick=False)
    fire_due()
    assert not Command.objects.exists()  # the two earlier ones were far beyond the catch-up window
    states = dict(ActionFiring.objects.filter(event_id=series.pk).values_list("occurrence_start", "state"))
    assert states[april_4] == "cancelled"
    assert states[datetime(2027, 3, 28, 7, 30, tzinfo=UTC)] == "skipped"
    assert states[datetime(2027, 4, 11, 7, 30, tzinfo=UTC)] == "scheduled"
