"""iCalendar (RFC 5545) export built with the ``icalendar`` library, and what a calendar source
reads back from an entry (``TRANSP``, the owner's ``PARTSTAT``) to decide whether it blocks time."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.utils import timezone
from icalendar import Calendar as ICalendar
from icalendar import Event as IEvent
from icalendar import vCalAddress, vRecur

from apps.events import recurrence
from apps.events.blocking import transparency_for
from apps.events.models import Event, EventException
from apps.events.timeparse import zone

STATUS = {
    Event.Status.SCHEDULED: "CONFIRMED",
    Event.Status.IN_PROGRESS: "CONFIRMED",
    Event.Status.COMPLETED: "CONFIRMED",
    Event.Status.RESCHEDULED: "TENTATIVE",
    Event.Status.CANCELLED: "CANCELLED",
}
PRIORITY = {"URGENT": 1, "HIGH": 3, "MEDIUM": 5, "LOW": 9}


def _times(item: IEvent, event: Event, start: datetime, end: datetime) -> None:
    if event.all_day:
        # All-day entries are DATE values; DTEND is exclusive, as stored.
        tz = zone(event.timezone or "UTC")
        item.add("dtstart", start.astimezone(tz).date())
        item.add("dtend", end.astimezone(tz).date())
    elif event.recurrence:
        # A series is written in its own zone: its rule repeats on local wall-clock time.
        tz = zone(event.timezone or "UTC")
        item.add("dtstart", start.astimezone(tz))
        item.add("dtend", end.astimezone(tz))
    else:
        item.add("dtstart", start)
        item.add("dtend", end)


def _fields(item: IEvent, values, now) -> None:
    item.add("dtstamp", now)
    item.add("summary", values("title"))
    if values("description"):
        item.add("description", values("description"))
    if values("location"):
        item.add("location", values("location"))
    if values("tags"):
        item.add("categories", [str(t) for t in values("tags")])
    for attendee in values("attendees") or []:
        item.add("attendee", vCalAddress(f"mailto:{attendee}"), encode=0)
    item.add("status", STATUS.get(values("status"), "CONFIRMED"))
    item.add("transp", "TRANSPARENT" if values("transparency") == Event.Transparency.TRANSPARENT else "OPAQUE")
    item.add("priority", PRIORITY.get(values("priority"), 5))


def _local_value(event: Event, naive: datetime):
    if event.all_day:
        return naive.date()
    return naive.replace(tzinfo=zone(event.timezone or "UTC"))


def _series(event: Event, now) -> list[IEvent]:
    """The master (RRULE/RDATE/EXDATE; cancelled occurrences as EXDATE) and one
    ``RECURRENCE-ID`` component per changed occurrence."""
    uid = f"event-{event.pk}@chronos"
    master = IEvent()
    master.add("uid", uid)
    _fields(master, lambda name: getattr(event, name), now)
    _times(master, event, event.start_time, event.end_time)
    rule = recurrence.parse(event.recurrence, tz_name=event.timezone or "UTC", all_day=event.all_day)
    for line in event.recurrence:
        if line.upper().startswith("RRULE:"):
            master.add("rrule", vRecur.from_ical(line.split(":", 1)[1]))
    if rule.rdates:
        master.add("rdate", [_local_value(event, d) for d in rule.rdates])
    exceptions: list[EventException] = list(event.exceptions.all())
    excluded = [_local_value(event, d) for d in rule.exdates]
    excluded += [_local_value(event, recurrence.to_local(event, e.original_start)) for e in exceptions if e.cancelled]
    if excluded:
        master.add("exdate", excluded)
    master.add("created", event.created_at)
    master.add("last-modified", event.updated_at)
    items = [master]
    for exception in exceptions:
        if exception.cancelled:
            continue
        occ = recurrence.occurrence_at(event, exception.original_start, exception)
        item = IEvent()
        item.add("uid", uid)
        _fields(item, occ.value, now)
        original = recurrence.to_local(event, exception.original_start)
        item.add("recurrence-id", _local_value(event, original))
        _times(item, event, occ.start, occ.end)
        item.add("last-modified", exception.updated_at)
        items.append(item)
    return items


def export_calendar(events: Iterable[Event], *, name: str) -> bytes:
    now = timezone.now()
    cal = ICalendar()
    cal.add("prodid", "-//Chronos//Chronos calendar export//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    for event in events.iterator(chunk_size=2000) if hasattr(events, "iterator") else events:
        if event.recurrence:
            for item in _series(event, now):
                cal.add_component(item)
            continue
        item = IEvent()
        item.add("uid", f"event-{event.pk}@chronos")
        _fields(item, lambda name, event=event: getattr(event, name), now)
        if event.all_day and event.start_date and event.end_date:
            item.add("dtstart", event.start_date)
            item.add("dtend", event.end_date)
        else:
            item.add("dtstart", event.start_time)
            item.add("dtend", event.end_time)
        item.add("created", event.created_at)
        item.add("last-modified", event.updated_at)
        cal.add_component(item)
    # VTIMEZONE definitions for every TZID used (series are written in their own zone).
    cal.add_missing_timezones()
    return cal.to_ical()


def _address(value) -> str:
    return str(value).strip().lower().removeprefix("mailto:")


def transparency_of(component, *, own_addresses: Iterable[str] = ()) -> str:
    """``opaque`` or ``transparent`` for a ``VEVENT``: its ``TRANSP``, and transparent when one of
    ``own_addresses`` (the account's) is an attendee with ``PARTSTAT=DECLINED``.

    For the CalDAV and iCalendar-feed sources; the export writes ``TRANSP`` so a round trip keeps it.
    """
    transparent = str(component.get("transp", "OPAQUE")).strip().upper() == "TRANSPARENT"
    own = {_address(a) for a in own_addresses if a}
    declined = False
    if own:
        found = component.get("attendee")
        for attendee in found if isinstance(found, list) else [found] if found is not None else []:
            partstat = str(getattr(attendee, "params", {}).get("PARTSTAT", "")).upper()
            if partstat == "DECLINED" and _address(attendee) in own:
                declined = True
                break
    return transparency_for(transparent=transparent, declined=declined)
