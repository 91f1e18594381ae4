"""Moving an event to a new time: one service for the API's reschedule and the admin's calendar."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.db import transaction

from apps.audit.registry import record
from apps.core.signals import emit
from apps.events.models import Event


class RescheduleRefused(ValueError):
    """The move cannot be made; ``field`` names what is wrong (``None``: the event itself)."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def reschedule(event: Event, new_start: datetime, new_end: datetime | None = None) -> Event:
    """Move ``event`` to ``new_start`` (keeping its length unless ``new_end`` is given); audited.

    An all-day event moves and stretches by whole days only. Emits ``event.rescheduled``.
    """
    new_start = new_start.astimezone(UTC)
    delta = new_start - event.start_time
    if event.status == Event.Status.CANCELLED:
        raise RescheduleRefused("A cancelled event cannot be rescheduled.")
    if event.calendar.read_only:
        raise RescheduleRefused(f"{event.calendar.name} is a read-only subscription: move the entry at its source.")
    if event.all_day and delta % timedelta(days=1):
        raise RescheduleRefused("an all-day event moves by whole days: keep the time of day of its start",
                                field="start_time")
    if new_end is not None:
        new_end = new_end.astimezone(UTC)
        if new_end <= new_start:
            raise RescheduleRefused("must be after the start time", field="end_time")
        if event.all_day and (new_end - new_start) % timedelta(days=1):
            raise RescheduleRefused("an all-day event lasts whole days", field="end_time")
    with transaction.atomic():
        locked = Event.objects.select_for_update().get(pk=event.pk)
        old = (locked.start_time, locked.end_time)
        locked.start_time = old[0] + delta
        locked.end_time = new_end if new_end is not None else old[1] + delta
        fields = ["start_time", "end_time", "updated_at"]
        if locked.all_day and locked.start_date and locked.end_date:
            locked.start_date += timedelta(days=delta.days)
            locked.end_date = locked.start_date + timedelta(days=(locked.end_time - locked.start_time).days)
            fields += ["start_date", "end_date"]
        locked.save(update_fields=fields)
        record(action="reschedule", entity="event", entity_id=locked.pk,
               changes={"start_time": [old[0], locked.start_time], "end_time": [old[1], locked.end_time]})
        emit("event.rescheduled", {
            "id": locked.pk, "calendar_id": locked.calendar_id, "external_id": locked.external_id,
            "start_time": locked.start_time.isoformat(), "end_time": locked.end_time.isoformat(),
            "previous_start_time": old[0].isoformat(), "previous_end_time": old[1].isoformat(),
        })
    return locked


def reject_slot(event: Event, *, start_time: datetime | None = None, reason: str = "") -> None:
    """Keep the event where it is and record that a suggested slot was turned down (audited)."""
    changes = {"start_time": [event.start_time, event.start_time], "reason": [None, reason or None]}
    if start_time is not None:
        changes["rejected_start_time"] = [None, start_time]
    record(action="reschedule_reject", entity="event", entity_id=event.pk, changes=changes)
