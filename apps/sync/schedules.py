"""The periodic sync of every enabled calendar (created idempotently by the worker at start)."""

from __future__ import annotations

from apps.core.schedules import declare
from chronos.config import current

SCHEDULE_NAME = "chronos.sync_calendars"


def interval_minutes() -> int:
    return current().sync.interval_minutes


declare(SCHEDULE_NAME, "apps.sync.tasks.sync_all", minutes=interval_minutes())
