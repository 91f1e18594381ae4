"""The periodic sync of every enabled calendar (created idempotently by the worker at start)."""

from __future__ import annotations

from django.conf import settings

from apps.core.schedules import declare

SCHEDULE_NAME = "chronos.sync_calendars"


def interval_minutes() -> int:
    return max(1, int((settings.CHRONOS.get("sync") or {}).get("interval_minutes", 5)))


declare(SCHEDULE_NAME, "apps.sync.tasks.sync_all", minutes=interval_minutes())
