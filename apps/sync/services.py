"""Queueing and running syncs: lock, pull, push, bookkeeping."""

from __future__ import annotations

import logging
import time
import uuid
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from apps.audit.actor import acting_as
from apps.events.models import Calendar
from apps.sync import lock
from apps.sync.engine import Counts, Puller
from apps.sync.models import SyncRun, SyncState
from apps.sync.push import push_pending
from apps.sync.sources import CalendarSource, SourceError, source_for

logger = logging.getLogger(__name__)

SYNCABLE = (Calendar.Source.GOOGLE, Calendar.Source.CALDAV, Calendar.Source.ICS, Calendar.Source.MOCK)


class NotSyncable(ValueError):
    """The calendar does not exist, is local, or is disabled."""


def syncable_calendars() -> list[Calendar]:
    return list(Calendar.objects.filter(enabled=True, source__in=SYNCABLE).order_by("id"))


def queue_sync(*, calendar_id: str | None = None, full: bool = False, trigger: str = "api") -> tuple[str, datetime]:
    """Create queued runs (one per calendar) under one task id and start them after commit."""
    if calendar_id is not None:
        calendar = Calendar.objects.filter(pk=calendar_id).first()
        if calendar is None:
            raise NotSyncable(f"calendar {calendar_id!r} does not exist")
        if calendar.source not in SYNCABLE:
            raise NotSyncable(f"calendar {calendar_id!r} is local; there is nothing to sync")
        if not calendar.enabled:
            raise NotSyncable(f"calendar {calendar_id!r} is disabled")
        calendars = [calendar]
    else:
        calendars = syncable_calendars()
    task_id, now = uuid.uuid4().hex, timezone.now()
    with transaction.atomic():
        SyncRun.objects.bulk_create([SyncRun(task_id=task_id, calendar=c, full=full, trigger=trigger, queued_at=now)
                                     for c in calendars])
        transaction.on_commit(lambda: _enqueue(task_id))
    return task_id, now


def _enqueue(task_id: str) -> None:
    from django_q.tasks import async_task

    try:
        async_task("apps.sync.tasks.run_task", task_id, group="sync", task_name=f"sync {task_id}")
    except Exception as exc:  # noqa: BLE001 - broker down: fail the runs visibly instead of leaving them queued
        logger.exception("could not queue sync task %s", task_id)
        now = timezone.now()
        SyncRun.objects.filter(task_id=task_id, status=SyncRun.Status.QUEUED).update(
            status=SyncRun.Status.FAILED, started_at=now, finished_at=now, duration_seconds=0,
            errors=[{"type": "enqueue", "detail": f"task queue unavailable ({type(exc).__name__}); the next "
                                                  "scheduled sync runs as usual"}])


def run(run: SyncRun, *, source: CalendarSource | None = None) -> SyncRun:
    """Run one queued sync of one calendar. Never raises: the outcome is in the row."""
    calendar = run.calendar
    started = time.perf_counter()
    now = timezone.now()
    counts = Counts(full=run.full)
    owner = lock.new_owner()
    if not lock.acquire(calendar.id, owner, now=now):
        SyncRun.objects.filter(pk=run.pk).update(
            status=SyncRun.Status.SKIPPED, started_at=now, finished_at=now, duration_seconds=0,
            errors=[{"type": "locked", "detail": "another sync of this calendar is running"}])
        run.refresh_from_db()
        return run
    SyncRun.objects.filter(pk=run.pk).update(status=SyncRun.Status.RUNNING, started_at=now)
    failure = ""
    try:
        with acting_as("worker:sync", f"sync of {calendar.id}"):
            if source is None:
                source = source_for(calendar)
            Puller(calendar, source, counts, now=now, owner=owner).pull(full=run.full)
            push_pending(calendar, source, counts, now=timezone.now())
    except SourceError as exc:
        failure = str(exc)
    except Exception as exc:  # noqa: BLE001 - a bug in one calendar's sync must not stop the others
        logger.exception("sync of %s failed", calendar.id)
        failure = f"{type(exc).__name__}: {exc}"
    finally:
        lock.release(calendar.id, owner)
    finished = timezone.now()
    if failure:
        counts.error("sync", failure)
        SyncState.objects.filter(calendar=calendar).update(last_error=failure[:2000], last_error_at=finished)
    else:
        SyncState.objects.filter(calendar=calendar).update(last_success_at=finished)
    SyncRun.objects.filter(pk=run.pk).update(
        status=SyncRun.Status.FAILED if failure else SyncRun.Status.SUCCEEDED, finished_at=finished,
        full=counts.full, fetched=counts.fetched, created=counts.created, updated=counts.updated,
        deleted=counts.deleted, consumed=counts.consumed, pushed=counts.pushed, conflicts=counts.conflicts,
        errors=counts.errors, duration_seconds=round(time.perf_counter() - started, 4))
    run.refresh_from_db()
    return run


def sync_now(calendar: Calendar, *, full: bool = False, trigger: str = "command",
             source: CalendarSource | None = None) -> SyncRun:
    """Create and run a sync of ``calendar`` in this process (CLI, tests, benchmarks)."""
    record = SyncRun.objects.create(task_id=uuid.uuid4().hex, calendar=calendar, full=full, trigger=trigger)
    return run(record, source=source)


def push_now(calendar: Calendar, *, source: CalendarSource | None = None) -> Counts:
    """Push the due local changes of ``calendar`` if no sync holds its lock (that sync pushes them)."""
    counts = Counts()
    owner = lock.new_owner()
    if not lock.acquire(calendar.id, owner):
        return counts
    try:
        with acting_as("worker:sync", f"push of {calendar.id}"):
            push_pending(calendar, source or source_for(calendar), counts)
    except SourceError as exc:
        counts.error("push", str(exc))
    finally:
        lock.release(calendar.id, owner)
    return counts
