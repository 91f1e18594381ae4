"""The events table keeps no index that another one already covers."""

from __future__ import annotations

import pytest
from django.db import connection

from apps.events.models import Calendar, Event

pytestmark = pytest.mark.django_db


def _indexes() -> dict[str, list[str]]:
    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, "events_event")
    return {name: info["columns"] for name, info in found.items() if info["index"] and not info["primary_key"]}


def test_calendar_lookups_use_the_calendar_start_index_not_one_of_their_own():
    indexes = _indexes()
    assert ["calendar_id"] not in indexes.values(), indexes
    assert indexes["event_cal_start_idx"] == ["calendar_id", "start_time"]


def test_deleting_a_calendar_still_deletes_its_events():
    from datetime import UTC, datetime, timedelta

    work, home = Calendar.objects.create(id="work", name="Work"), Calendar.objects.create(id="home", name="Home")
    start = datetime(2026, 1, 5, 9, tzinfo=UTC)
    for cal in (work, home):
        Event.objects.create(calendar=cal, title=cal.pk, start_time=start, end_time=start + timedelta(hours=1))
    work.delete()
    assert list(Event.objects.values_list("title", flat=True)) == ["home"]


def test_the_database_finds_a_calendars_events_through_an_index():
    if connection.vendor != "sqlite":
        pytest.skip("SQLite query plan")
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN QUERY PLAN SELECT id FROM events_event WHERE calendar_id = %s", ["work"])
        plan = " ".join(str(row[-1]) for row in cursor.fetchall())
    assert "USING COVERING INDEX event_cal_start_idx (calendar_id=?)" in plan, plan
