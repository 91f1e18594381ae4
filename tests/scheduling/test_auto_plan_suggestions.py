"""Auto-plan: the next free slots of the same length for the calendar and all its attendees."""

from __future__ import annotations

from apps.events.models import Event
from apps.events.scheduling.planning import suggest_slots
from tests.scheduling.conftest import utc

NOW = utc(2025, 3, 1)


def starts(slots):
    return [(s["start_time"].hour, s["start_time"].minute) for s in slots]


def test_suggestions_skip_existing_events_on_the_calendar(calendar, event):
    cal = calendar("work", default_mode="auto_plan")  # UTC, Mon-Fri 09-17, 15-min grid
    event(cal, utc(2025, 3, 3, 9), utc(2025, 3, 3, 10, 30))
    event(cal, utc(2025, 3, 3, 11), utc(2025, 3, 3, 12))
    new = event(cal, utc(2025, 3, 3, 9, 30), utc(2025, 3, 3, 10, 30))
    slots = suggest_slots(new, limit=3, now=NOW)
    # 10:30-11:30 hits the 11:00 event; the first fit after 10:30 on the grid is 12:00.
    assert starts(slots) == [(12, 0), (13, 0), (14, 0)]
    assert all(s["end_time"] - s["start_time"] == new.end_time - new.start_time for s in slots)


def test_suggestions_respect_shared_attendees_on_other_calendars(calendar, event):
    cal, other = calendar("work"), calendar("other")
    event(other, utc(2025, 3, 3, 12), utc(2025, 3, 3, 14), attendees=["kim@x.com"])
    new = event(cal, utc(2025, 3, 3, 12), utc(2025, 3, 3, 13), attendees=["kim@x.com"])
    assert starts(suggest_slots(new, limit=2, now=NOW)) == [(14, 0), (15, 0)]


def test_buffer_keeps_distance_from_other_meetings(calendar, event):
    cal = calendar("work", buffer_minutes=15)
    event(cal, utc(2025, 3, 3, 9), utc(2025, 3, 3, 10))
    new = event(cal, utc(2025, 3, 3, 9), utc(2025, 3, 3, 10), status=Event.Status.SCHEDULED)
    assert starts(suggest_slots(new, limit=1, now=NOW)) == [(10, 15)]


def test_suggestions_continue_on_the_next_working_day(calendar, event):
    cal = calendar("work")
    event(cal, utc(2025, 3, 7, 9), utc(2025, 3, 7, 17))  # Friday fully booked
    new = event(cal, utc(2025, 3, 7, 15), utc(2025, 3, 7, 16))
    slot = suggest_slots(new, limit=1, now=NOW)[0]
    assert slot["start_time"] == utc(2025, 3, 10, 9)  # Monday, weekend is not working time


def test_no_past_slots_are_suggested(calendar, event):
    cal = calendar("work")
    new = event(cal, utc(2025, 3, 3, 9), utc(2025, 3, 3, 10))
    event(cal, utc(2025, 3, 3, 9), utc(2025, 3, 3, 10))
    slot = suggest_slots(new, limit=1, now=utc(2025, 3, 4, 13, 5))[0]
    assert slot["start_time"] == utc(2025, 3, 4, 13, 15)
