"""Reading a window of a long-running rule gives exactly the occurrences of a walk from its start."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from apps.events.models import Event
from apps.events.recurrence import iter_occurrences


@pytest.mark.parametrize("rule", [
    "RRULE:FREQ=DAILY", "RRULE:FREQ=DAILY;INTERVAL=3", "RRULE:FREQ=WEEKLY;BYDAY=MO,WE,FR",
    "RRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,SU;WKST=SU", "RRULE:FREQ=HOURLY;INTERVAL=5;BYHOUR=8,13,18",
    "RRULE:FREQ=DAILY;UNTIL=20280101T000000Z", "RRULE:FREQ=WEEKLY;COUNT=200",
    "RRULE:FREQ=MONTHLY;BYDAY=-1FR",
])
@pytest.mark.parametrize("zone", ["Europe/Berlin", "America/New_York"])
def test_window_reads_match_a_walk_from_the_first_occurrence(rule, zone):
    event = Event(pk=1, title="x", timezone=zone, start_time=datetime(2024, 1, 3, 8, 30, tzinfo=UTC),
                  end_time=datetime(2024, 1, 3, 9, 15, tzinfo=UTC), recurrence=[rule])
    walked = list(iter_occurrences(event, None, datetime(2027, 6, 1, tzinfo=UTC), exceptions=[]))
    for lo in (datetime(2025, 3, 28, tzinfo=UTC), datetime(2026, 10, 31, 23, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC)):
        hi = lo + timedelta(days=30)
        expected = [o.start for o in walked if o.start < hi and o.end > lo]
        assert [o.start for o in iter_occurrences(event, lo, hi, exceptions=[])] == expected
