"""Writes for events: storing ingested entries, updates, sub-tasks, links."""

from __future__ import annotations

import logging

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from apps.events.blocking import stored_transparency
from apps.events.models import Calendar, Event, EventLink, SubTask
from chronos.config import current

logger = logging.getLogger(__name__)

# Fields of Event that callers may pass besides what IncomingEvent carries.
EXTRA_FIELDS = ("priority", "event_type", "status", "mode", "etag", "recurrence")

# Other apps add keys to the answer about one event (e.g. the commands app: a timed entry's
# ``action``); each provider returns a dict to merge, empty when it has nothing to say.
_answer_extras: list = []


def provide_answer_extra(provider) -> None:
    """Register ``provider(event) -> dict`` (from an app's ``ready()``)."""
    if provider not in _answer_extras:
        _answer_extras.append(provider)


def answer_extras(event: Event) -> dict:
    extras: dict = {}
    for provider in _answer_extras:
        extras.update(provider(event))
    return extras


def default_calendar_id() -> str:
    return current().events.default_calendar


def calendar_by_id(calendar_id: str) -> Calendar | None:
    return Calendar.objects.filter(pk=calendar_id).first()


def get_or_create_calendar(calendar_id: str | None) -> Calendar:
    """The calendar of that id; an unknown id becomes a new ``local`` calendar (v2.1 clients)."""
    calendar_id = (calendar_id or default_calendar_id()).strip()
    calendar = calendar_by_id(calendar_id)
    if calendar is not None:
        return calendar
    calendar, _ = Calendar.objects.get_or_create(
        pk=calendar_id, defaults={"name": calendar_id, "source": Calendar.Source.LOCAL}
    )
    return calendar


def sync_all_done(event: Event) -> bool:
    """Recompute the ``all_done`` column from the sub-tasks; returns the new value."""
    states = list(SubTask.objects.filter(event_id=event.pk).values_list("completed", flat=True))
    value = bool(states) and all(states)
    if value != event.all_done:
        event.all_done = value
        event.save(update_fields=["all_done", "updated_at"])
    return value


def _write_sub_tasks(event: Event, items: list[dict], *, now) -> None:
    """Make the event's checklist equal ``items``: ids update in place, the rest is new, missing ones go."""
    existing = {st.pk: st for st in SubTask.objects.filter(event_id=event.pk)}
    keep: set[int] = set()
    for position, item in enumerate(items):
        completed = bool(item.get("completed", False))
        sub = existing.get(item.get("id")) if item.get("id") is not None else None
        if sub is None:
            SubTask.objects.create(event=event, position=position, text=item["text"], completed=completed,
                                   created_at=now, completed_at=now if completed else None)
            continue
        keep.add(sub.pk)
        changed = sub.position != position or sub.text != item.get("text", sub.text) or sub.completed != completed
        if changed:
            sub.completed_at = (sub.completed_at or now) if completed else None
            sub.position, sub.text, sub.completed = position, item.get("text", sub.text), completed
            sub.save()
    for pk, sub in existing.items():
        if pk not in keep:
            sub.delete()


def store_incoming(incoming, extra_fields: dict, *, plugin_error: str, calendar: Calendar | None = None) -> Event:
    """Store an entry the plugin pipeline let through (the event store behind ``ingest``)."""
    now = timezone.now()
    if calendar is None or calendar.pk != (incoming.calendar_id or default_calendar_id()).strip():
        calendar = get_or_create_calendar(incoming.calendar_id)
    event = Event(
        calendar=calendar,
        external_id=incoming.external_id or "",
        title=incoming.title,
        description=incoming.description or "",
        location=incoming.location or "",
        start_time=incoming.start_time,
        end_time=incoming.end_time,
        all_day=incoming.all_day,
        start_date=incoming.start_date if incoming.all_day else None,
        end_date=incoming.end_date if incoming.all_day else None,
        timezone=incoming.timezone or calendar.timezone,
        tags=list(incoming.tags or []),
        attendees=list(incoming.attendees or []),
        transparency=stored_transparency(incoming.transparency),
        plugin_error=plugin_error,
        created_at=now,
    )
    for name in EXTRA_FIELDS:
        if extra_fields.get(name) is not None:
            setattr(event, name, extra_fields[name])
    sub_tasks = extra_fields.get("sub_tasks") or []
    event.all_done = bool(sub_tasks) and all(bool(s.get("completed")) for s in sub_tasks)
    event.save()
    if sub_tasks:
        _write_sub_tasks(event, sub_tasks, now=now)
    return event


@transaction.atomic
def update_event(*, event: Event, data: dict) -> Event:
    """Apply validated fields (times already resolved by the serializer)."""
    now = timezone.now()
    sub_tasks = data.pop("sub_tasks", None)
    calendar_id = data.pop("calendar_id", None)
    if calendar_id is not None and calendar_id != event.calendar_id:
        event.calendar = get_or_create_calendar(calendar_id)
    for name, value in data.items():
        setattr(event, name, value)
    event.save()
    if sub_tasks is not None:
        _write_sub_tasks(event, sub_tasks, now=now)
        sync_all_done(event)
    return event


def _after_checklist_change(event: Event) -> None:
    sync_all_done(event)
    # Scheduling owns the completion rule; imported lazily to keep the apps loosely coupled.
    from apps.events.checklists import maybe_autocomplete

    maybe_autocomplete(event)


def add_sub_task(*, event: Event, text: str, completed: bool = False) -> SubTask:
    now = timezone.now()
    with transaction.atomic():
        highest = SubTask.objects.filter(event_id=event.pk).aggregate(m=Max("position"))["m"]
        position = 0 if highest is None else highest + 1
        sub = SubTask.objects.create(event=event, text=text, completed=completed, position=position,
                                     created_at=now, completed_at=now if completed else None)
        sync_all_done(event)
    _after_checklist_change(event)
    return sub


def change_sub_task(*, sub: SubTask, text: str | None = None, completed: bool | None = None) -> SubTask:
    now = timezone.now()
    with transaction.atomic():
        if text is not None:
            sub.text = text
        if completed is not None and completed != sub.completed:
            sub.completed = completed
            sub.completed_at = now if completed else None
        sub.save()
        sync_all_done(sub.event)
    _after_checklist_change(sub.event)
    return sub


def delete_sub_task(*, sub: SubTask) -> None:
    event = sub.event
    with transaction.atomic():
        sub.delete()
        sync_all_done(event)
    _after_checklist_change(event)


@transaction.atomic
def reorder_sub_tasks(*, event: Event, order: list[int]) -> None:
    subs = {st.pk: st for st in SubTask.objects.filter(event_id=event.pk)}
    if sorted(order) != sorted(subs):
        raise ValueError("order must list every sub-task id of the event exactly once")
    for position, pk in enumerate(order):
        if subs[pk].position != position:
            subs[pk].position = position
            subs[pk].save(update_fields=["position"])


def create_link(*, source: Event, target: Event, link_type: str) -> EventLink:
    return EventLink.objects.create(source=source, target=target, link_type=link_type)


@transaction.atomic
def change_occurrence(*, series: Event, original_start, data: dict):
    """Store (or update) the exception of one occurrence: moved times, other fields, cancelled."""
    from apps.events.models import EventException

    exception, _ = EventException.objects.select_for_update().get_or_create(
        series=series, original_start=original_start)
    overrides = dict(exception.overrides or {})
    for name in EventException.OVERRIDABLE:
        if name in data:
            overrides[name] = data[name]
    if "start_time" in data:
        exception.start_time = data["start_time"]
        exception.end_time = data["end_time"]
    cancelled = overrides.get("status") == Event.Status.CANCELLED
    exception.cancelled = cancelled
    exception.overrides = overrides
    exception.save()
    Event.objects.filter(pk=series.pk).update(updated_at=timezone.now())
    return exception


@transaction.atomic
def update_series(*, event: Event, data: dict) -> Event:
    """An "all events" edit: the series changes, its exceptions stay where their occurrence still is."""
    from apps.events.recurrence import drop_stale_exceptions

    event = update_event(event=event, data=data)
    drop_stale_exceptions(event)
    return event
