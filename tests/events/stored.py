"""The check every stored-occurrence test makes: rows equal the series' computed expansion."""

from __future__ import annotations

from datetime import UTC, datetime

from apps.events import recurrence
from apps.events.models import Event, EventOccurrence

FAR = datetime(2200, 1, 1, tzinfo=UTC)


def stored(series_id: int) -> set[tuple]:
    return {(o.original_start, o.start_time, o.end_time, o.status, o.calendar_id, o.all_day, o.transparency)
            for o in EventOccurrence.objects.filter(series_id=series_id)}


def expected(series: Event) -> set[tuple]:
    """The lazy expansion (recurrence.occurrences) up to how far the series is stored."""
    until = series.occurrences_until or FAR
    return {(o.original_start, o.start, o.end, o.status, series.calendar_id, series.all_day, series.transparency)
            for o in recurrence.occurrences(series, None, until)}


def assert_stored_as_computed() -> int:
    """Every series' rows match its expansion, and no other event has rows. Returns the row count."""
    series = list(Event.objects.filter(is_recurring=True))
    for item in series:
        rows = {r for r in stored(item.pk) if r[1] < (item.occurrences_until or FAR)}
        assert rows == expected(item), f"series {item.pk} ({item.title})"
    assert not EventOccurrence.objects.exclude(series__is_recurring=True).exists()
    return EventOccurrence.objects.count()
