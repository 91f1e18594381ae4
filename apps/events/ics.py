"""iCalendar (RFC 5545) export built with the ``icalendar`` library, and what a calendar source
reads back from an entry (``TRANSP``, the owner's ``PARTSTAT``) to decide whether it blocks time."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils import timezone
from icalendar import Calendar as ICalendar
from icalendar import Event as IEvent
from icalendar import vCalAddress

from apps.events.blocking import transparency_for
from apps.events.models import Event

STATUS = {
    Event.Status.SCHEDULED: "CONFIRMED",
    Event.Status.IN_PROGRESS: "CONFIRMED",
    Event.Status.COMPLETED: "CONFIRMED",
    Event.Status.RESCHEDULED: "TENTATIVE",
    Event.Status.CANCELLED: "CANCELLED",
}
PRIORITY = {"URGENT": 1, "HIGH": 3, "MEDIUM": 5, "LOW": 9}


def export_calendar(events: Iterable[Event], *, name: str) -> bytes:
    now = timezone.now()
    cal = ICalendar()
    cal.add("prodid", "-//Chronos//Chronos calendar export//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    for event in events.iterator(chunk_size=2000) if hasattr(events, "iterator") else events:
        item = IEvent()
        item.add("uid", f"event-{event.pk}@chronos")
        item.add("dtstamp", now)
        item.add("summary", event.title)
        if event.all_day and event.start_date and event.end_date:
            # All-day entries are DATE values; DTEND is exclusive, as stored.
            item.add("dtstart", event.start_date)
            item.add("dtend", event.end_date)
        else:
            item.add("dtstart", event.start_time)
            item.add("dtend", event.end_time)
        if event.description:
            item.add("description", event.description)
        if event.location:
            item.add("location", event.location)
        if event.tags:
            item.add("categories", [str(t) for t in event.tags])
        for attendee in event.attendees or []:
            address = vCalAddress(f"mailto:{attendee}")
            item.add("attendee", address, encode=0)
        item.add("status", STATUS.get(event.status, "CONFIRMED"))
        item.add("transp", "TRANSPARENT" if event.transparency == Event.Transparency.TRANSPARENT else "OPAQUE")
        item.add("priority", PRIORITY.get(event.priority, 5))
        item.add("created", event.created_at)
        item.add("last-modified", event.updated_at)
        cal.add_component(item)
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
