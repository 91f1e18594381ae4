"""GET /api/v1/events: the [a, b) window of every direction and range, at its boundaries."""

from __future__ import annotations

import time_machine

from tests.events.conftest import ids

URL = "/api/v1/events"


def test_future_window_starts_at_anchor_midnight_and_ends_before_anchor_plus_range(reader, make_event):
    before = make_event("2025-03-09T23:00", minutes=60)  # ends exactly at a: touches, not in
    first = make_event("2025-03-10T00:00", minutes=30)
    last = make_event("2025-03-16T23:30", minutes=30)
    make_event("2025-03-17T00:00", minutes=30)  # starts exactly at b: not in
    got = ids(reader.get(URL, {"anchor": "2025-03-10", "range": 7}))
    assert got == [first.id, last.id]
    assert before.id not in got


def test_an_event_running_across_the_window_start_is_included(reader, make_event):
    spanning = make_event("2025-03-09T23:00", minutes=120)
    assert ids(reader.get(URL, {"anchor": "2025-03-10", "range": 7})) == [spanning.id]


def test_a_long_event_starting_far_before_the_window_is_still_found(reader, make_event):
    long_one = make_event("2025-01-01T00:00", minutes=60 * 24 * 90)
    make_event("2025-01-02T00:00", minutes=60)
    assert ids(reader.get(URL, {"anchor": "2025-03-10", "range": 7})) == [long_one.id]


def test_past_window_runs_from_anchor_minus_range_to_the_end_of_the_anchor_day(reader, make_event):
    make_event("2025-03-02T23:00", minutes=60)  # ends at a = 03-03 00:00
    first = make_event("2025-03-03T00:00", minutes=10)
    last = make_event("2025-03-10T23:59", minutes=1)
    make_event("2025-03-11T00:00", minutes=10)  # b = 03-11 00:00
    assert ids(reader.get(URL, {"anchor": "2025-03-10", "range": 7, "direction": "past"})) == [first.id, last.id]


def test_all_window_runs_from_anchor_minus_range_to_anchor_plus_range(reader, make_event):
    make_event("2025-03-02T23:00", minutes=60)
    first = make_event("2025-03-03T00:00")
    middle = make_event("2025-03-10T12:00")
    last = make_event("2025-03-16T23:00")
    make_event("2025-03-17T00:00")
    got = ids(reader.get(URL, {"anchor": "2025-03-10", "range": 7, "direction": "all"}))
    assert got == [first.id, middle.id, last.id]


def test_range_minus_one_has_no_limit_on_the_open_side(reader, make_event):
    old = make_event("2001-01-01T00:00")
    today = make_event("2025-03-10T08:00")
    far = make_event("2150-01-01T00:00")
    assert ids(reader.get(URL, {"anchor": "2025-03-10", "range": -1})) == [today.id, far.id]
    assert ids(reader.get(URL, {"anchor": "2025-03-10", "range": -1, "direction": "past"})) == [old.id, today.id]
    assert ids(reader.get(URL, {"anchor": "2025-03-10", "range": -1, "direction": "all"})) == [old.id, today.id, far.id]


def test_a_zero_length_event_at_the_window_start_counts(reader, make_event):
    point = make_event("2025-03-10T00:00", minutes=0)
    assert ids(reader.get(URL, {"anchor": "2025-03-10", "range": 7})) == [point.id]


def test_the_anchor_is_midnight_in_the_given_time_zone(reader, make_event):
    # Midnight in Berlin (UTC+1 in March) is 23:00 UTC the day before.
    late = make_event("2025-03-09T23:30", minutes=15)
    assert ids(reader.get(URL, {"anchor": "2025-03-10", "range": 7, "tz": "Europe/Berlin"})) == [late.id]
    assert ids(reader.get(URL, {"anchor": "2025-03-10", "range": 7})) == []


def test_the_window_end_follows_daylight_saving_in_the_anchor_zone(reader, make_event):
    # Berlin switches to UTC+2 on 2025-03-30: the window [03-24, 03-31) local ends at 03-30 22:00 UTC.
    inside = make_event("2025-03-30T21:30", minutes=15)
    outside = make_event("2025-03-30T22:00", minutes=15)
    got = ids(reader.get(URL, {"anchor": "2025-03-24", "range": 7, "tz": "Europe/Berlin"}))
    assert inside.id in got and outside.id not in got


def test_all_day_events_are_found_on_their_dates(writer, calendar):
    created = writer.post(URL, {"title": "Holiday", "calendar_id": "work", "all_day": True,
                                "start_time": "2025-03-10", "end_time": "2025-03-12"}, format="json")
    assert created.status_code == 201
    event_id = created.json()["id"]
    assert ids(writer.get(URL, {"anchor": "2025-03-11", "range": 7})) == [event_id]
    assert ids(writer.get(URL, {"anchor": "2025-03-12", "range": 7})) == []  # end date is exclusive
    assert ids(writer.get(URL, {"anchor": "2025-03-09", "range": 7, "direction": "past"})) == []


def test_explicit_start_and_end_override_anchor_and_range(reader, make_event):
    inside = make_event("2025-06-01T10:00")
    make_event("2025-06-01T12:00")
    got = ids(reader.get(URL, {"start": "2025-06-01T09:00:00Z", "end": "2025-06-01T11:30:00+00:00",
                               "anchor": "2020-01-01", "range": 7}))
    assert got == [inside.id]


def test_order_is_start_time_then_id(reader, make_event):
    b = make_event("2025-03-10T10:00")
    a = make_event("2025-03-10T09:00")
    c = make_event("2025-03-10T10:00")
    assert ids(reader.get(URL, {"anchor": "2025-03-10", "range": 7})) == [a.id, b.id, c.id]


def test_the_default_anchor_is_today(reader, make_event):
    today = make_event("2025-03-10T10:00")
    make_event("2025-03-09T10:00")
    with time_machine.travel("2025-03-10T12:00:00Z", tick=False):
        assert ids(reader.get(URL)) == [today.id]


def test_filters_by_calendar_status_and_tag(reader, make_event):
    from tests.events.factories import CalendarFactory

    other = CalendarFactory(id="home")
    tagged = make_event("2025-03-10T09:00", tags=["focus", "deep work"], status="in_progress")
    make_event("2025-03-10T10:00", tags=["focused"])
    at_home = make_event("2025-03-10T11:00", calendar=other)
    params = {"anchor": "2025-03-10", "range": 7}
    assert ids(reader.get(URL, {**params, "tag": "focus"})) == [tagged.id]
    assert ids(reader.get(URL, {**params, "tag": "deep work"})) == [tagged.id]
    assert ids(reader.get(URL, {**params, "calendar": "home"})) == [at_home.id]
    assert ids(reader.get(URL, {**params, "status": "in_progress"})) == [tagged.id]


def test_pages_and_legacy_limit_offset(reader, make_event):
    events = [make_event(f"2025-03-10T{h:02d}:00") for h in range(5)]
    page2 = reader.get(URL, {"anchor": "2025-03-10", "range": 7, "page": 2, "page_size": 2}).json()
    assert [e["id"] for e in page2["items"]] == [events[2].id, events[3].id]
    assert page2["total_count"] == 5 and page2["page"] == 2 and page2["page_size"] == 2
    legacy = reader.get(URL, {"anchor": "2025-03-10", "range": 7, "limit": 2, "offset": 4}).json()
    assert [e["id"] for e in legacy["items"]] == [events[4].id]
    assert legacy["total_count"] == 5


def test_total_count_follows_changes(reader, make_event):
    for h in range(3):
        make_event(f"2025-03-10T{h:02d}:00")
    params = {"anchor": "2025-03-10", "range": 7, "page_size": 1}
    assert reader.get(URL, params).json()["total_count"] == 3
    make_event("2025-03-11T09:00")
    assert reader.get(URL, params).json()["total_count"] == 4
