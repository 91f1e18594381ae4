"""Checklist autocomplete: an event whose end has passed and whose sub-tasks are all done
becomes ``completed``.

Two paths reach it: the sub-task endpoints call :func:`maybe_autocomplete` right after a box is
ticked, and the worker runs :func:`autocomplete_due` periodically for events whose end passed
after their last box was ticked. Both save through ``Event.save`` so the change is audited.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from apps.audit.actor import acting_as
from apps.events.models import Event, SubTask
from chronos.config import current

# Only events still open can be completed; cancelled or already completed ones stay as they are.
OPEN_STATUSES = (Event.Status.SCHEDULED, Event.Status.IN_PROGRESS, Event.Status.RESCHEDULED)


def maybe_autocomplete(event: Event, *, now: datetime | None = None) -> bool:
    """Mark ``event`` completed if its end passed, it has sub-tasks and all are done.

    Returns True when the event was changed. An event without sub-tasks is never completed
    here: an empty checklist says nothing about the work.
    """
    now = now or timezone.now()
    if event.status not in OPEN_STATUSES or event.end_time > now:
        return False
    if not event.calendar.autocomplete_checklists:
        return False
    states = list(SubTask.objects.filter(event_id=event.pk).values_list("completed", flat=True))
    if not states or not all(states):
        return False
    with transaction.atomic():
        # Re-read under the write transaction so a concurrent edit (a box unticked, a status
        # set by hand) is not overwritten by a stale decision.
        fresh = Event.objects.select_for_update().filter(pk=event.pk, status__in=OPEN_STATUSES).first()
        if fresh is None or SubTask.objects.filter(event_id=event.pk, completed=False).exists():
            return False
        fresh.status = Event.Status.COMPLETED
        fresh.all_done = True
        fresh.save(update_fields=["status", "all_done", "updated_at"])
    event.status, event.all_done = fresh.status, fresh.all_done
    return True


def due_events(*, now: datetime, lookback_days: int):
    """Open events on autocomplete calendars that ended within the lookback, all boxes ticked."""
    has_tasks = SubTask.objects.filter(event_id=OuterRef("pk"))
    has_open_tasks = SubTask.objects.filter(event_id=OuterRef("pk"), completed=False)
    return (
        Event.objects.filter(
            end_time__lte=now,
            end_time__gte=now - timedelta(days=lookback_days),
            status__in=OPEN_STATUSES,
            calendar__autocomplete_checklists=True,
        )
        .filter(Exists(has_tasks))
        .exclude(Exists(has_open_tasks))
        .select_related("calendar")
        .order_by("end_time", "id")
    )


def autocomplete_due(*, now: datetime | None = None, batch: int = 500) -> int:
    """Periodic task: complete every due event; returns how many changed."""
    now = now or timezone.now()
    lookback = current().scheduling.checklist_lookback_days
    changed = 0
    with acting_as("worker:checklists"):
        for event in due_events(now=now, lookback_days=lookback)[:batch]:
            if maybe_autocomplete(event, now=now):
                changed += 1
    return changed
