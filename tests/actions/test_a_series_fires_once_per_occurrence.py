"""A series fires once per occurrence, at local wall-clock time across DST; removed occurrences never fire.

The occurrences come from ``apps.events.recurrence.occurrences``: a real series, every Sunday
09:30 Europe/Berlin from 21 March 2027; a removed occurrence is an EXDATE.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from apps.commands.models import ActionFiring, Command
from apps.commands.timed import fire_due
from apps.events.models import Calendar, Event

BERLIN = ZoneInfo("Europe/Berlin")
FIRST = date(2027, 3, 21)  # CET; Berlin moves to summer time on 28 March 2027


@pytest.fixture
def series(timed, time_machine):
    time_machine.move_to(datetime(2027, 3, 20, 12, 0, tzinfo=UTC), tick=False)
    timed("at_start")
    calendar = Calendar.objects.create(id="home", name="Home", timezone="Europe/Berlin")
    start = datetime.combine(FIRST, time(9, 30), BERLIN).astimezone(UTC)
    return Event.objects.create(calendar=calendar, title="ACTION: BACKUP N8N keep=3", start_time=start,
                                end_time=start + timedelta(hours=1), timezone="Europe/Berlin",
                                recurrence=["RRULE:FREQ=WEEKLY;BYDAY=SU"])


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
    series.recurrence = [*series.recurrence, "EXDATE;TZID=Europe/Berlin:20270404T093000"]
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


def test_a_cancelled_occurrence_never_fires(series, writer, time_machine):
    april_11 = datetime(2027, 4, 11, 7, 30, tzinfo=UTC)
    instance = f"{series.pk}_20270411T073000Z"
    assert writer.delete(f"/api/v1/events/{instance}").status_code == 204  # cancels that one occurrence

    assert ActionFiring.objects.get(event_id=series.pk, occurrence_start=april_11).state == "cancelled"
    time_machine.move_to(april_11, tick=False)
    fire_due()
    assert not Command.objects.filter(idempotency_key=f"event:{series.pk}:20270411T073000Z").exists()
    assert ActionFiring.objects.get(event_id=series.pk, occurrence_start=datetime(2027, 4, 18, 7, 30, tzinfo=UTC)).state == "scheduled"
