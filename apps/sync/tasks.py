"""Worker entry points (django-q2)."""

from __future__ import annotations

import uuid

from apps.events.models import Calendar
from apps.sync import services
from apps.sync.models import SyncRun


def run_task(task_id: str) -> dict:
    """Run the queued runs of one ``POST /api/v1/sync/calendar`` request."""
    done = {}
    for record in SyncRun.objects.filter(task_id=task_id, status=SyncRun.Status.QUEUED).select_related("calendar"):
        done[record.calendar_id] = services.run(record).status
    return done


def sync_all() -> dict:
    """Scheduled: sync every enabled mock/Google/CalDAV/feed calendar, one after the other."""
    task_id = uuid.uuid4().hex
    done = {}
    for calendar in services.syncable_calendars():
        record = SyncRun.objects.create(task_id=task_id, calendar=calendar, trigger="schedule")
        done[calendar.id] = services.run(record).status
    return done


def push_calendar(calendar_id: str) -> dict:
    calendar = Calendar.objects.filter(pk=calendar_id, source__in=(Calendar.Source.GOOGLE, Calendar.Source.CALDAV)).first()
    if calendar is None:
        return {}
    counts = services.push_now(calendar)
    return {"pushed": counts.pushed, "conflicts": counts.conflicts, "errors": len(counts.errors)}
