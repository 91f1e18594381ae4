"""The longest-duration bound of window reads is cached per data version and follows every change."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection, transaction

from apps.events import selectors
from apps.events.models import Calendar, Event

pytestmark = pytest.mark.django_db(transaction=True)


def _event(cal: Calendar, start: datetime, hours: int) -> Event:
    return Event.objects.create(calendar=cal, title="e", start_time=start, end_time=start + timedelta(hours=hours))


def test_a_longer_event_stored_after_a_cached_read_is_found(api):
    cal = Calendar.objects.create(id="work", name="work")
    _event(cal, datetime(2025, 3, 3, 9, tzinfo=UTC), 1)
    reader = api(scopes=["events.read"])
    url = "/api/v1/events?anchor=2025-03-10&range=7"
    assert reader.get(url).json()["total_count"] == 0
    assert selectors.max_duration() == timedelta(hours=1, seconds=1)
    long = _event(cal, datetime(2025, 3, 3, 9, tzinfo=UTC), 24 * 8)
    assert selectors.max_duration() == timedelta(hours=24 * 8, seconds=1)
    assert [e["id"] for e in reader.get(url).json()["items"]] == [long.pk]


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the data version exists on SQLite only")
def test_a_read_inside_a_rolled_back_transaction_does_not_fill_the_cache():
    cal = Calendar.objects.create(id="work", name="work")
    _event(cal, datetime(2025, 3, 3, 9, tzinfo=UTC), 1)
    assert selectors.max_duration() == timedelta(hours=1, seconds=1)
    with pytest.raises(RuntimeError), transaction.atomic():
        _event(cal, datetime(2025, 3, 5, 9, tzinfo=UTC), 2)
        assert selectors.max_duration() == timedelta(hours=2, seconds=1)
        raise RuntimeError("roll back")
    # The next commit reaches the version the rolled-back state had, with a different longest event.
    _event(cal, datetime(2025, 3, 5, 9, tzinfo=UTC), 30)
    assert selectors.max_duration() == timedelta(hours=30, seconds=1)


def test_an_event_longer_than_its_whole_seconds_is_still_found_by_a_window_and_a_conflict(api):
    cal = Calendar.objects.create(id="work", name="work")
    start = datetime(2025, 3, 3, 9, tzinfo=UTC)
    long = Event.objects.create(calendar=cal, title="long", start_time=start,
                                end_time=start + timedelta(hours=2, milliseconds=500))
    reader = api(scopes=["events.read"])
    body = reader.get("/api/v1/events?start=2025-03-03T11:00:00.100Z&end=2025-03-03T12:00:00Z").json()
    assert [e["id"] for e in body["items"]] == [long.pk]

    from apps.events.scheduling.planning import conflicts_for

    other = Calendar.objects.create(id="home", name="home")
    Event.objects.filter(pk=long.pk).update(attendees=["kim@x.com"])
    draft = Event(calendar=other, title="draft", attendees=["kim@x.com"],
                  start_time=datetime(2025, 3, 3, 11, 0, 0, 100000, tzinfo=UTC),
                  end_time=datetime(2025, 3, 3, 11, 30, tzinfo=UTC))
    assert conflicts_for(draft) == [long.pk]


def test_a_same_calendar_conflict_with_an_event_longer_than_its_whole_seconds_is_found():
    from apps.events.scheduling.planning import conflicts_for

    cal = Calendar.objects.create(id="work", name="work")
    start = datetime(2025, 3, 3, 9, 0, 0, 900000, tzinfo=UTC)
    long = Event.objects.create(calendar=cal, title="long", start_time=start,
                                end_time=start + timedelta(hours=2, milliseconds=500))  # ends 11:00:01.400
    draft = Event(calendar=cal, title="draft", start_time=datetime(2025, 3, 3, 11, 0, 1, tzinfo=UTC),
                  end_time=datetime(2025, 3, 3, 11, 30, tzinfo=UTC))
    assert conflicts_for(draft) == [long.pk]
