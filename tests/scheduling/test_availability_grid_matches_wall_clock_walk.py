"""Availability lays its slot grid by arithmetic where a zone's offset is fixed; it must give
exactly the slots of the wall-clock walk (``candidate_slots``) in every zone, DST days included."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from apps.events.scheduling.availability import ALL_DAY, grid_slots, to_micros
from apps.events.scheduling.planning import candidate_slots, parse_working_hours

OFFICE = parse_working_hours({"mon": ["09:00", "17:00"], "tue": ["09:00", "17:00"], "wed": ["09:00", "17:00"],
                              "thu": ["09:00", "17:00"], "fri": ["09:00", "17:00"]})
NIGHTS = parse_working_hours({"sun": [["00:30", "03:45"], ["22:00", "24:00"]], "sat": ["01:00", "24:00"],
                              "mon": [["02:00", "02:40"], ["13:10", "18:20"]]})

CASES = [
    ("UTC", datetime(2025, 3, 3, tzinfo=UTC), 30),
    ("Europe/Berlin", datetime(2025, 3, 27, 5, 7, tzinfo=UTC), 7),     # spring forward 2025-03-30
    ("Europe/Berlin", datetime(2025, 10, 22, 23, 59, tzinfo=UTC), 9),  # fall back 2025-10-26
    ("America/New_York", datetime(2025, 3, 1, tzinfo=UTC), 62),        # spring forward 2025-03-09
    ("America/New_York", datetime(2025, 10, 30, 12, tzinfo=UTC), 5),   # fall back 2025-11-02
    ("Australia/Lord_Howe", datetime(2025, 4, 3, tzinfo=UTC), 6),      # half-hour change 2025-04-06
    ("Asia/Kathmandu", datetime(2025, 6, 1, 3, 15, tzinfo=UTC), 3),    # +05:45, no DST
    ("Pacific/Apia", datetime(2011, 12, 27, tzinfo=UTC), 6),           # 2011-12-30 never happened there
    ("Pacific/Chatham", datetime(2025, 9, 25, tzinfo=UTC), 5),         # +12:45 -> +13:45 on 2025-09-28
]


def micro(slots):
    return [(to_micros(s), to_micros(e)) for s, e in slots]


@pytest.mark.parametrize(("zone", "start", "days"), CASES)
@pytest.mark.parametrize("hours", [OFFICE, NIGHTS, ALL_DAY], ids=["office", "nights", "all-day"])
@pytest.mark.parametrize(("minutes", "step"), [(60, 15), (45, 20), (25, 7), (24 * 60, 60)])
def test_the_grid_is_the_wall_clock_walk(zone, start, days, hours, minutes, step):
    tz = ZoneInfo(zone)
    end = start + timedelta(days=days)
    duration = timedelta(minutes=minutes)
    expected = micro(candidate_slots(hours, tz, start, end, duration=duration, step_minutes=step))
    assert grid_slots(hours, tz, start, end, duration=duration, step_minutes=step) == expected


def test_a_window_that_starts_between_grid_points_keeps_the_grid_of_the_working_day():
    tz = ZoneInfo("UTC")
    hours = {0: [(time(9), time(12))]}
    slots = grid_slots(hours, tz, datetime(2025, 3, 3, 9, 7, tzinfo=UTC), datetime(2025, 3, 3, 11, 31, tzinfo=UTC),
                       duration=timedelta(minutes=30), step_minutes=15)
    starts = [datetime.fromtimestamp(s / 1e6, UTC).strftime("%H:%M") for s, _ in slots]
    assert starts == ["09:15", "09:30", "09:45", "10:00", "10:15", "10:30", "10:45", "11:00"]
