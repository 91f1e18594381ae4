"""The list keeps conflict lists per data version: a repeated read is cheaper, every change shows at once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.events.models import Calendar, Event

pytestmark = pytest.mark.django_db(transaction=True)

URL = "/api/v1/events?anchor=2025-03-03&range=7"


def _event(cal: Calendar, hour: int, minutes: int = 60, **extra) -> Event:
    start = datetime(2025, 3, 3, hour, tzinfo=UTC)
    return Event.objects.create(calendar=cal, title=f"at {hour}", start_time=start,
                                end_time=start + timedelta(minutes=minutes), **extra)


def _conflicts(reader) -> dict[int, list[int]]:
    return {e["id"]: e["conflicts"] for e in reader.get(URL).json()["items"]}


def _conflict_queries(reader) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert reader.get(URL).status_code == 200
    return sum(1 for q in queries.captured_queries if q["sql"].startswith("WITH p("))


def test_new_moved_and_cancelled_events_change_the_conflicts_of_the_next_read(api):
    cal = Calendar.objects.create(id="work", name="work")
    nine = _event(cal, 9)
    eleven = _event(cal, 11)
    reader = api(scopes=["events.read"])
    assert _conflicts(reader) == {nine.pk: [], eleven.pk: []}

    overlap = _event(cal, 9, minutes=150)  # 09:00-11:30 hits both
    assert _conflicts(reader) == {nine.pk: [overlap.pk], overlap.pk: [nine.pk, eleven.pk], eleven.pk: [overlap.pk]}

    Event.objects.filter(pk=overlap.pk).update(end_time=datetime(2025, 3, 3, 10, tzinfo=UTC))
    assert _conflicts(reader) == {nine.pk: [overlap.pk], overlap.pk: [nine.pk], eleven.pk: []}

    Event.objects.filter(pk=overlap.pk).update(status=Event.Status.CANCELLED)
    assert _conflicts(reader)[nine.pk] == []


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the data version exists on SQLite only")
def test_a_repeated_read_reuses_the_conflict_lists_until_the_events_change(api):
    cal = Calendar.objects.create(id="work", name="work")
    _event(cal, 9)
    _event(cal, 10)
    reader = api(scopes=["events.read"])
    # Two probes: the events, and the stored occurrences of series.
    assert _conflict_queries(reader) == 2
    assert _conflict_queries(reader) == 0
    _event(cal, 13)
    assert _conflict_queries(reader) == 2


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the data version exists on SQLite only")
def test_a_write_between_reading_the_version_and_the_rows_does_not_mix_old_and_new_lists(api):
    from apps.events import selectors
    from apps.events.api import RowQuery
    from apps.events.serializers import render_rows

    cal = Calendar.objects.create(id="work", name="work")
    nine = _event(cal, 9)
    reader = api(scopes=["events.read"])
    assert _conflicts(reader) == {nine.pk: []}  # the lists of this version are kept
    query = selectors.list_events({"anchor": "2025-03-03", "range": "7"})
    overlap = _event(cal, 9, minutes=30)  # committed after the version was read, before the rows
    rows = RowQuery(query)[0:100]
    lists = {item["id"]: item["conflicts"] for item in render_rows(rows, version=query.version)}
    assert lists == {nine.pk: [overlap.pk], overlap.pk: [nine.pk]}
