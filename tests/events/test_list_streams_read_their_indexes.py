"""The list's streams are ORM filters; the SQL they compile to must still read the partial index
each stream is bounded by (a condition written differently, e.g. ``all_day = 0`` instead of
``NOT all_day``, would make SQLite scan the whole start-time index instead)."""

from __future__ import annotations

import pytest
from django.db import connection

from apps.events import selectors

pytestmark = pytest.mark.django_db


def _plan(stream) -> str:
    sql, params = stream.queryset()[:100].query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        return " | ".join(str(row[-1]) for row in cursor.fetchall())


@pytest.fixture(autouse=True)
def _sqlite_only():
    if connection.vendor != "sqlite":
        pytest.skip("SQLite query plans")


def test_a_window_reads_timed_and_all_day_events_each_on_its_own_partial_index():
    timed, all_day, stored, _unstored = selectors.list_events({"anchor": "2026-03-02", "range": "7"}).streams
    assert "event_timed_start_idx" in _plan(timed)
    assert "event_allday_start_idx" in _plan(all_day)
    assert "occurrence_start_idx" in _plan(stored)
    for stream in (timed, all_day, stored):
        assert "TEMP B-TREE" not in _plan(stream), "the rows must come in index order, not be sorted"


def test_filters_do_not_push_the_read_off_the_start_index():
    timed, all_day, _series = selectors.list_events(
        {"anchor": "2026-03-02", "range": "30", "status": "scheduled,completed", "tag": "ops"}).streams
    stored = selectors.list_events({"anchor": "2026-03-02", "range": "30", "status": "scheduled"}).streams[2]
    assert "event_timed_start_idx" in _plan(timed)
    assert "event_allday_start_idx" in _plan(all_day)
    assert "occurrence_start_idx" in _plan(stored)


def test_a_calendar_filter_reads_the_calendar_start_index():
    timed, _all_day, stored, _ = selectors.list_events({"anchor": "2026-03-02", "range": "7", "calendar": "work"}).streams
    plan = _plan(timed)
    assert "event_cal_start_idx" in plan or "event_timed_start_idx" in plan or "event_cal_timed_span_idx" in plan
    assert "SCAN events_event" not in plan.replace("USING", "")
    assert "occurrence_cal_start_idx" in _plan(stored) or "occurrence_start_idx" in _plan(stored)


def test_the_series_of_a_window_are_found_on_the_two_partial_indexes():
    from datetime import UTC, datetime

    from apps.events.recurrence import series_ids_read

    read = series_ids_read(datetime(2026, 3, 2, tzinfo=UTC), datetime(2026, 3, 9, tzinfo=UTC))
    sql, params = read.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        plan = " | ".join(str(row[-1]) for row in cursor.fetchall())
    assert "event_series_span_idx" in plan
    assert "eventexception_moved_idx" in plan
