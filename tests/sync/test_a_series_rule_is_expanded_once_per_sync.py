"""A CalDAV or feed series' end is computed once per sync: the puller reuses what the source computed
for the window check when the entry's times are the same, and an unreadable rule still flags it."""

from __future__ import annotations

from datetime import UTC, datetime

from apps.events import recurrence
from apps.events.models import Event
from tests.sync.test_caldav_series_consumed_and_credentials import SERIES

# Out of range for the rule reader (not for the feed): the series is kept as a single entry.
BROKEN = SERIES.replace("RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=10", "RRULE:FREQ=MONTHLY;BYMONTHDAY=40;COUNT=10")


def _counting(monkeypatch) -> list[object]:
    calls: list[object] = []
    real = recurrence.series_end

    def series_end(event):
        calls.append(event)
        return real(event)
    monkeypatch.setattr(recurrence, "series_end", series_end)
    return calls


def test_a_new_caldav_series_has_its_end_computed_once(radicale, caldav_calendar, caldav_sync, monkeypatch):
    radicale.put(caldav_calendar.url, "weekly.ics", SERIES)
    calls = _counting(monkeypatch)

    run = caldav_sync()

    assert (run.status, run.created) == ("succeeded", 1), run.errors
    event = Event.objects.get()
    assert event.is_recurring and event.series_end == datetime(2026, 5, 4, 7, 30, tzinfo=UTC)
    assert len(calls) == 1


def test_an_unreadable_rule_of_a_feed_entry_is_still_flagged_on_a_single_event(ics_feed, feed_sync, monkeypatch):
    ics_feed.body = BROKEN
    calls = _counting(monkeypatch)

    run = feed_sync()

    assert (run.status, run.created) == ("succeeded", 1), run.errors
    event = Event.objects.get()
    assert (event.is_recurring, event.series_end, event.recurrence) == (False, None, [])
    assert event.plugin_error.startswith("recurrence: ")
    assert len(calls) == 1
