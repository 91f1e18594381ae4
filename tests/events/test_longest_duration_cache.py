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
    assert selectors.max_duration() == timedelta(hours=1)
    long = _event(cal, datetime(2025, 3, 3, 9, tzinfo=UTC), 24 * 8)
    assert selectors.max_duration() == timedelta(hours=24 * 8)
    assert [e["id"] for e in reader.get(url).json()["items"]] == [long.pk]


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the data version exists on SQLite only")
def test_a_read_inside_a_rolled_back_transaction_does_not_fill_the_cache():
    cal = Calendar.objects.create(id="work", name="work")
    _event(cal, datetime(2025, 3, 3, 9, tzinfo=UTC), 1)
    assert selectors.max_duration() == timedelta(hours=1)
    with pytest.raises(RuntimeError), transaction.atomic():
        _event(cal, datetime(2025, 3, 5, 9, tzinfo=UTC), 2)
        assert selectors.max_duration() == timedelta(hours=2)
        raise RuntimeError("roll back")
    # The next commit reaches the version the rolled-back state had, with a different longest event.
    _event(cal, datetime(2025, 3, 5, 9, tzinfo=UTC), 30)
    assert selectors.max_duration() == timedelta(hours=30)
