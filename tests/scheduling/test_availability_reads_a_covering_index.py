"""On SQLite availability reads a window from one covering index, never from table rows.

The index is outside the model state, so a migration that rebuilds ``events_event`` on SQLite
drops it; every ``migrate`` puts it back (``apps.events.unmanaged.ensure``).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.events.scheduling.availability import read_busy
from tests.scheduling.conftest import utc

pytestmark = pytest.mark.skipif(connection.vendor != "sqlite", reason="the covering index is SQLite's")


def plan_of_window_read(attendees, calendar_ids):
    start = utc(2025, 3, 3)
    with CaptureQueriesContext(connection) as queries:
        read_busy(start, start + timedelta(days=30), calendar_ids=calendar_ids, attendees=attendees)
    # The window read (recurring series are read by queries of their own).
    sql = [q["sql"] for q in queries.captured_queries if " AS e WHERE " in q["sql"]][-1]
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}")
        return " ".join(row[-1] for row in cursor.fetchall())


def test_the_covering_index_exists_after_migrate(db):
    with connection.cursor() as cursor:
        cursor.execute("SELECT sql FROM sqlite_master WHERE type = 'index' AND name = 'event_busy_cover_idx'")
        row = cursor.fetchone()
    assert row is not None
    assert 'WHERE NOT "all_day"' in row[0]
    assert '"status", "transparency"' in row[0]  # the blocking rule is checked from the index


def test_an_attendee_search_reads_only_the_covering_index(calendar, event):
    work = calendar("work")
    event(work, utc(2025, 3, 4, 9), utc(2025, 3, 4, 10), attendees=["kim@x.com"])

    assert "COVERING INDEX event_busy_cover_idx" in plan_of_window_read(["kim@x.com"], [])
    assert "COVERING INDEX event_busy_cover_idx" in plan_of_window_read(["kim@x.com"], ["work"])


@pytest.mark.django_db(transaction=True)
def test_migrate_puts_the_covering_index_back_when_a_rebuild_dropped_it():
    from django.core.management import call_command

    with connection.cursor() as cursor:
        cursor.execute('DROP INDEX "event_busy_cover_idx"')
    call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = 'event_busy_cover_idx'")
        assert cursor.fetchone() is not None
