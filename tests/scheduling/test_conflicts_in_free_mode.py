"""Free mode: overlaps are stored and each event reports what it collides with."""

from __future__ import annotations

from apps.events.models import Event
from apps.events.scheduling.planning import conflicts_for, conflicts_map
from tests.scheduling.conftest import utc


def test_overlapping_events_on_the_same_calendar_conflict(calendar, event):
    cal = calendar("work")
    a = event(cal, utc(2025, 3, 3, 9), utc(2025, 3, 3, 10))
    b = event(cal, utc(2025, 3, 3, 9, 30), utc(2025, 3, 3, 11))
    assert conflicts_map([a, b]) == {a.pk: [b.pk], b.pk: [a.pk]}
    assert conflicts_for(a) == [b.pk]


def test_touching_events_do_not_conflict(calendar, event):
    cal = calendar("work")
    a = event(cal, utc(2025, 3, 3, 9), utc(2025, 3, 3, 10))
    b = event(cal, utc(2025, 3, 3, 10), utc(2025, 3, 3, 11))
    assert conflicts_map([a, b]) == {a.pk: [], b.pk: []}


def test_a_shared_attendee_on_another_calendar_is_a_conflict(calendar, event):
    work, home = calendar("work"), calendar("home")
    a = event(work, utc(2025, 3, 3, 9), utc(2025, 3, 3, 10), attendees=["Kim@Example.com"])
    b = event(home, utc(2025, 3, 3, 9, 45), utc(2025, 3, 3, 10, 15), attendees=["kim@example.com"])
    stranger = event(home, utc(2025, 3, 3, 9), utc(2025, 3, 3, 10), attendees=["sam@example.com"])
    assert conflicts_for(a) == [b.pk]
    assert conflicts_map([a, b, stranger]) == {a.pk: [b.pk], b.pk: [a.pk, stranger.pk], stranger.pk: [b.pk]}


def test_other_calendars_without_shared_attendees_do_not_conflict(calendar, event):
    a = event(calendar("work"), utc(2025, 3, 3, 9), utc(2025, 3, 3, 10))
    event(calendar("home"), utc(2025, 3, 3, 9), utc(2025, 3, 3, 10))
    assert conflicts_for(a) == []


def test_cancelled_and_all_day_events_never_conflict(calendar, event):
    cal = calendar("work")
    a = event(cal, utc(2025, 3, 3, 9), utc(2025, 3, 3, 10))
    event(cal, utc(2025, 3, 3, 9), utc(2025, 3, 3, 10), status=Event.Status.CANCELLED)
    event(cal, utc(2025, 3, 3), utc(2025, 3, 4), all_day=True)
    assert conflicts_for(a) == []


def test_a_long_event_started_earlier_is_found(calendar, event):
    cal = calendar("work")
    long = event(cal, utc(2025, 3, 1, 8), utc(2025, 3, 5, 8))
    a = event(cal, utc(2025, 3, 3, 9), utc(2025, 3, 3, 10))
    assert conflicts_for(a) == [long.pk]


def test_an_unsaved_event_is_checked_against_stored_ones(calendar, event):
    cal = calendar("work")
    stored = event(cal, utc(2025, 3, 3, 9), utc(2025, 3, 3, 10))
    draft = Event(calendar=cal, title="draft", start_time=utc(2025, 3, 3, 9, 59), end_time=utc(2025, 3, 3, 10, 30))
    assert conflicts_for(draft) == [stored.pk]


def test_a_page_of_events_costs_a_fixed_number_of_queries(calendar, event, django_assert_max_num_queries):
    # The longest duration, the same-calendar join, the shared-attendee read, and for series
    # the same-calendar join with the stored occurrences, the series stored short of the span,
    # and the series (and exceptions) naming one of the attendees: seven queries for the whole
    # page, never one per event.
    cal = calendar("work")
    events = [event(cal, utc(2025, 3, 3, h), utc(2025, 3, 3, h + 2), attendees=[f"p{h % 3}@x.com"]) for h in range(8, 16)]
    with django_assert_max_num_queries(7):
        result = conflicts_map(events)
    assert result[events[0].pk] == [events[1].pk]
    assert result[events[3].pk] == [events[2].pk, events[4].pk]
