"""Working hours live in the calendar's zone: 09:00 stays 09:00 local across DST changes."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from apps.events.scheduling.planning import CalendarRules, candidate_slots, suggest_slots, working_hours_errors
from tests.scheduling.conftest import utc

BERLIN = ZoneInfo("Europe/Berlin")


def test_the_first_slot_is_nine_local_on_both_sides_of_the_spring_change(calendar, db):
    cal = calendar("work", timezone="Europe/Berlin",
                   working_hours={"fri": ["09:00", "17:00"], "mon": ["09:00", "17:00"]})
    rules = CalendarRules.of(cal)
    # Europe/Berlin moves to summer time on Sunday 2025-03-30.
    slots = candidate_slots(rules.hours, rules.tz, utc(2025, 3, 28), utc(2025, 4, 1),
                            duration=timedelta(hours=1), step_minutes=60)
    firsts = {s.astimezone(BERLIN).date().isoformat(): s for s, _ in reversed(slots)}
    assert firsts["2025-03-28"] == utc(2025, 3, 28, 8)   # 09:00 CET = 08:00 UTC
    assert firsts["2025-03-31"] == utc(2025, 3, 31, 7)   # 09:00 CEST = 07:00 UTC
    assert len(slots) == 16                               # 8 one-hour slots on each working day
    assert all(s.astimezone(BERLIN).hour >= 9 and e.astimezone(BERLIN).hour <= 17 for s, e in slots)


def test_a_working_day_that_spans_the_autumn_change_keeps_wall_clock_slots(calendar, db):
    cal = calendar("night", timezone="Europe/Berlin", working_hours={"sun": ["01:00", "04:00"]})
    rules = CalendarRules.of(cal)
    # 2025-10-26 03:00 CEST falls back to 02:00 CET: the day from 01:00 to 04:00 lasts 4 hours.
    slots = candidate_slots(rules.hours, rules.tz, utc(2025, 10, 25), utc(2025, 10, 27),
                            duration=timedelta(hours=1), step_minutes=60)
    assert [s for s, _ in slots] == [utc(2025, 10, 25, 23), utc(2025, 10, 26, 0), utc(2025, 10, 26, 2)]
    assert slots[-1][1] == utc(2025, 10, 26, 3)  # 04:00 CET


def test_suggestions_on_a_dst_day_stay_at_local_office_hours(calendar, event):
    cal = calendar("work", timezone="America/New_York")
    # US clocks spring forward on Sunday 2025-03-09; Monday 09:00 EDT = 13:00 UTC.
    event(cal, utc(2025, 3, 7, 14), utc(2025, 3, 7, 22))  # Friday 09:00-17:00 EST booked
    new = event(cal, utc(2025, 3, 7, 15), utc(2025, 3, 7, 16))
    slot = suggest_slots(new, limit=1, now=utc(2025, 3, 1))[0]
    assert slot["start_time"] == utc(2025, 3, 10, 13)


def test_missing_days_are_not_working_days(calendar, db):
    cal = calendar("work", working_hours={"wed": ["10:00", "12:00"]})
    rules = CalendarRules.of(cal)
    slots = candidate_slots(rules.hours, rules.tz, utc(2025, 3, 3), utc(2025, 3, 10),
                            duration=timedelta(hours=1), step_minutes=30)
    assert [s for s, _ in slots] == [utc(2025, 3, 5, 10), utc(2025, 3, 5, 10, 30), utc(2025, 3, 5, 11)]


def test_working_hours_are_validated_for_forms():
    assert working_hours_errors({"mon": ["09:00", "17:00"], "tue": [["08:00", "12:00"], ["13:00", "24:00"]]}) == []
    assert working_hours_errors({"monday": ["09:00", "17:00"]})
    assert working_hours_errors({"mon": ["17:00", "09:00"]})
    assert working_hours_errors(["09:00"])
