"""Timed and all-day events are read as two streams; the list must still be one ordered window."""

from __future__ import annotations

from datetime import date

import pytest

from tests.events.conftest import ids

pytestmark = pytest.mark.django_db


@pytest.fixture
def mixed(make_event):
    # A three-day all-day event that started before the window, timed events inside it,
    # a timed event that ended before the window and a one-day all-day event in the middle.
    long_all_day = make_event("2025-03-08T00:00", minutes=3 * 24 * 60, all_day=True,
                              start_date=date(2025, 3, 8), end_date=date(2025, 3, 11), title="offsite")
    ended = make_event("2025-03-09T22:00", minutes=60, title="ended before the window")
    timed = [make_event(f"2025-03-10T{h:02d}:00", minutes=30, title=f"t{h}") for h in (8, 9, 10, 11, 12)]
    day = make_event("2025-03-11T00:00", minutes=24 * 60, all_day=True,
                     start_date=date(2025, 3, 11), end_date=date(2025, 3, 12), title="holiday")
    late = make_event("2025-03-11T09:00", minutes=45, title="late")
    return {"long": long_all_day, "ended": ended, "timed": timed, "day": day, "late": late}


def test_the_window_lists_both_kinds_in_start_order(reader, mixed):
    response = reader.get("/api/v1/events", {"anchor": "2025-03-10", "range": 7})
    expected = [mixed["long"].pk, *[e.pk for e in mixed["timed"]], mixed["day"].pk, mixed["late"].pk]
    assert ids(response) == expected
    assert response.json()["total_count"] == len(expected)


def test_pages_cut_across_the_merged_order(reader, mixed):
    expected = [mixed["long"].pk, *[e.pk for e in mixed["timed"]], mixed["day"].pk, mixed["late"].pk]
    pages = [ids(reader.get("/api/v1/events", {"anchor": "2025-03-10", "range": 7, "page": n, "page_size": 3}))
             for n in (1, 2, 3)]
    assert pages == [expected[0:3], expected[3:6], expected[6:8]]
    first = reader.get("/api/v1/events", {"anchor": "2025-03-10", "range": 7, "page": 1, "page_size": 3}).json()
    assert first["total_count"] == 8


def test_a_long_all_day_event_does_not_pull_in_timed_events_before_the_window(reader, mixed):
    listed = ids(reader.get("/api/v1/events", {"anchor": "2025-03-10", "range": 7}))
    assert mixed["ended"].pk not in listed


def test_search_spans_both_kinds(reader, mixed, make_event):
    make_event("2025-03-10T15:00", minutes=60, title="offsite prep")
    response = reader.get("/api/v1/events", {"anchor": "2025-03-10", "range": 7, "q": "offsite"})
    titles = [item["title"] for item in response.json()["items"]]
    assert titles == ["offsite", "offsite prep"]


def test_legacy_offset_works_on_the_merged_order(reader, mixed):
    expected = [mixed["long"].pk, *[e.pk for e in mixed["timed"]], mixed["day"].pk, mixed["late"].pk]
    response = reader.get("/api/v1/events", {"anchor": "2025-03-10", "range": 7, "limit": 4, "offset": 2})
    assert ids(response) == expected[2:6]
