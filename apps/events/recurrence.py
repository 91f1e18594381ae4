"""Occurrences of an event in a time window.

This is the non-recurring case only: an event is its own single occurrence. Recurring series
(RRULE/RDATE/EXDATE, moved or cancelled occurrences) extend :func:`occurrences` with the same
signature and the same result objects, so callers never need to know which kind they hold.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class Occurrence:
    """One occurrence: aware UTC ``start``/``end``, the ``original_start`` it was planned at, its ``event``."""

    start: datetime
    end: datetime
    original_start: datetime
    event: Any


def occurrences(event: Any, start: datetime, end: datetime) -> list[Occurrence]:
    """Occurrences of ``event`` overlapping ``[start, end)``, sorted by start.

    A non-recurring event overlaps the window or not; a cancelled event has no occurrence.
    """
    if getattr(event, "status", None) == "cancelled":
        return []
    if event.start_time >= end or (event.end_time <= start and event.start_time < start):
        return []
    return [Occurrence(start=event.start_time, end=event.end_time, original_start=event.start_time, event=event)]
