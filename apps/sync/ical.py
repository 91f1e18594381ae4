"""Translation between iCalendar (RFC 5545) objects, :class:`RemoteEvent` and local events.

One CalDAV resource, or all VEVENTs of a feed sharing a UID, is one entry: the master
VEVENT (no RECURRENCE-ID) gives the fields; a recurring series stays ONE entry that keeps its
RRULE/EXDATE/RDATE lines as they were written and its overrides (VEVENTs with a
RECURRENCE-ID) as exceptions, in the shape of ``EventException``.

Times: a DATE is an all-day entry (end exclusive); a DATE-TIME with TZID keeps that zone; a
UTC time keeps the calendar's zone for display; a floating time (no zone) means wall-clock
time in the calendar's zone.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from icalendar import Calendar as ICalendar
from icalendar import Event as IEvent
from icalendar import vCalAddress

from apps.events.ics import transparency_of
from apps.sync.mapping import midnight_utc, rule_end, zone
from apps.sync.sources.base import RemoteEvent

RECURRENCE_PROPS = ("RRULE", "RDATE", "EXDATE")
_UNFOLD = re.compile(r"\r?\n[ \t]")
PRODID = "-//Chronos//Calendar sync//EN"


class ICalError(ValueError):
    """The text is not an iCalendar object we can read."""


def parse_calendar(text: str | bytes) -> ICalendar:
    try:
        cal = ICalendar.from_ical(text)
    except (ValueError, IndexError, KeyError) as exc:
        raise ICalError(f"not a valid iCalendar file ({str(exc)[:120]})") from None
    if isinstance(cal, list):  # several VCALENDARs in one stream: take them all
        merged = ICalendar()
        for part in cal:
            for sub in part.subcomponents:
                merged.add_component(sub)
        cal = merged
    if cal.name != "VCALENDAR":
        raise ICalError("not an iCalendar file (no VCALENDAR)")
    return cal


def vevents(cal: ICalendar) -> list[IEvent]:
    return [c for c in cal.walk("VEVENT")]


def _zone_name(value: datetime, calendar_tz: str) -> str:
    tz = value.tzinfo
    if tz is None:
        return calendar_tz
    key = getattr(tz, "key", None) or getattr(tz, "zone", None)
    if key and key != "UTC":
        try:
            ZoneInfo(str(key))  # a custom VTIMEZONE name ("W. Europe Standard Time") is no IANA zone
            return str(key)
        except (ZoneInfoNotFoundError, ValueError):
            return calendar_tz
    return calendar_tz


def _utc(value: date | datetime, calendar_tz: str) -> datetime:
    """A DTSTART/DTEND/RECURRENCE-ID value as an aware UTC datetime."""
    if not isinstance(value, datetime):
        return midnight_utc(value, calendar_tz)
    if value.tzinfo is None:  # floating: wall-clock time in the calendar's zone
        value = value.replace(tzinfo=zone(calendar_tz))
    return value.astimezone(UTC)


def _text(component: IEvent, name: str) -> str:
    value = component.get(name)
    return str(value) if value is not None else ""


def _list(component: IEvent, name: str) -> list:
    value = component.get(name)
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _attendees(component: IEvent) -> list[str]:
    out = []
    for value in _list(component, "ATTENDEE"):
        address = str(value)
        if address.lower().startswith("mailto:"):
            address = address[7:]
        if address:
            out.append(address)
    return out


def _categories(component: IEvent) -> list[str]:
    tags: list[str] = []
    for value in _list(component, "CATEGORIES"):
        cats = getattr(value, "cats", None)
        tags.extend(str(c) for c in (cats if cats is not None else [value]))
    return tags


def _recurrence_lines(component: IEvent) -> list[str]:
    """RRULE/RDATE/EXDATE content lines exactly as written (unfolded)."""
    text = _UNFOLD.sub("", component.to_ical().decode("utf-8", "replace"))
    lines = []
    for line in text.splitlines():
        name = re.split(r"[;:]", line, maxsplit=1)[0].upper()
        if name in RECURRENCE_PROPS:
            lines.append(line)
    return lines


def _span(component: IEvent, calendar_tz: str) -> tuple[date | datetime, date | datetime]:
    start = component.decoded("DTSTART")
    if "DTEND" in component:
        end = component.decoded("DTEND")
    elif "DURATION" in component:
        end = start + component.decoded("DURATION")
    elif isinstance(start, datetime):
        end = start
    else:
        end = start + timedelta(days=1)
    if isinstance(start, datetime) != isinstance(end, datetime):
        end = start + (timedelta(days=1) if not isinstance(start, datetime) else timedelta(0))
    return start, end


def _fields(component: IEvent) -> dict[str, Any]:
    return {"title": _text(component, "SUMMARY") or "(no title)", "description": _text(component, "DESCRIPTION"),
            "location": _text(component, "LOCATION"), "attendees": _attendees(component)}


def _updated(component: IEvent) -> datetime | None:
    for name in ("LAST-MODIFIED", "DTSTAMP"):
        if name in component:
            value = component.decoded(name)
            if isinstance(value, datetime):
                return _utc(value, "UTC")
    return None


def to_remote(components: list[IEvent], *, external_id: str, etag: str, calendar_tz: str,
              own_addresses: Iterable[str] = ()) -> RemoteEvent:
    """One entry from the VEVENTs of one resource (or one UID of a feed).

    ``TRANSP:TRANSPARENT``, or ``PARTSTAT=DECLINED`` on one of ``own_addresses`` (the account's),
    makes it ``transparent``: shown, but never blocking time (apps.events.blocking).
    """
    master = next((c for c in components if "RECURRENCE-ID" not in c), None)
    overrides = [c for c in components if c is not master and "RECURRENCE-ID" in c]
    if master is None:
        # Only overrides (an invitation to a single occurrence): the first one stands alone.
        master, overrides = overrides[0], []
    remote = RemoteEvent(external_id=external_id, etag=etag, updated=_updated(master))
    if _text(master, "STATUS").upper() == "CANCELLED":
        remote.status = "cancelled"
        return remote
    if "DTSTART" not in master:
        raise ICalError(f"entry {external_id} has no DTSTART")
    start, end = _span(master, calendar_tz)
    fields = _fields(master)
    remote.title = fields["title"][:500]
    remote.description = fields["description"]
    remote.location = fields["location"][:500]
    remote.attendees = fields["attendees"]
    remote.transparency = transparency_of(master, own_addresses=own_addresses)
    remote.tags = _categories(master)
    for prop, key in (("X-CHRONOS-PRIORITY", "priority"), ("X-CHRONOS-EVENT-TYPE", "event_type")):
        if prop in master:
            remote.extra[key] = _text(master, prop)
    if isinstance(start, datetime):
        remote.timezone = _zone_name(start, calendar_tz)
        remote.start_time, remote.end_time = _utc(start, calendar_tz), _utc(end, calendar_tz)
        if remote.end_time < remote.start_time:
            remote.end_time = remote.start_time
    else:
        remote.all_day = True
        remote.start_date, remote.end_date = start, end if end > start else start + timedelta(days=1)
        remote.timezone = calendar_tz
        remote.start_time = midnight_utc(remote.start_date, calendar_tz)
        remote.end_time = midnight_utc(remote.end_date, calendar_tz)
    remote.recurrence = _recurrence_lines(master)
    if remote.recurrence:
        duration = remote.end_time - remote.start_time
        # A rule that cannot be read counts as never ending: such a series touches every window.
        # Kept on the record, so the puller need not expand the rule again for these times.
        remote.rule_end = rule_end(remote.recurrence, start_time=remote.start_time, end_time=remote.end_time,
                                   all_day=remote.all_day, start_date=remote.start_date, end_date=remote.end_date,
                                   timezone=remote.timezone)
        remote.series_end = remote.rule_end[0]
        remote.exceptions = [_exception(c, fields, duration, calendar_tz) for c in overrides]
        remote.exceptions.sort(key=lambda e: e["original_start"])
    return remote


def _exception(component: IEvent, master: dict[str, Any], duration: timedelta, calendar_tz: str) -> dict[str, Any]:
    """An override as ``EventException`` fields (times as ISO 8601 UTC)."""
    original = _utc(component.decoded("RECURRENCE-ID"), calendar_tz)
    out: dict[str, Any] = {"original_start": original.isoformat(), "cancelled": False, "start_time": None,
                           "end_time": None, "overrides": {}}
    if _text(component, "STATUS").upper() == "CANCELLED":
        out["cancelled"] = True
        return out
    if "DTSTART" in component:
        start, end = _span(component, calendar_tz)
        start_utc, end_utc = _utc(start, calendar_tz), _utc(end, calendar_tz)
        if start_utc != original or end_utc - start_utc != duration:
            out["start_time"], out["end_time"] = start_utc.isoformat(), end_utc.isoformat()
    fields = _fields(component)
    out["overrides"] = {k: v for k, v in fields.items() if v != master[k] and (v or k != "title")}
    return out


# -- local -> iCalendar ----------------------------------------------------------------------

def body_for(event) -> dict[str, Any]:
    """The exchanged fields of a local event, as plain values (what a push sends)."""
    return {
        "title": event.title, "description": event.description, "location": event.location,
        "start_time": event.start_time, "end_time": event.end_time, "all_day": bool(event.all_day),
        "start_date": event.start_date, "end_date": event.end_date, "timezone": event.timezone or "UTC",
        "attendees": list(event.attendees or []), "tags": list(event.tags or []),
        "priority": event.priority, "event_type": event.event_type,
        "recurrence": list(getattr(event, "recurrence", None) or []),
        "transparency": getattr(event, "transparency", "opaque"),
    }


def _set(component: IEvent, name: str, value: Any, **params: Any) -> None:
    component.pop(name, None)
    if value not in (None, "", []):
        component.add(name, value, parameters=params or None)


def apply_body(component: IEvent, body: dict[str, Any], now: datetime) -> None:
    """Write the exchanged fields into ``component``, leaving everything else as it was."""
    _set(component, "SUMMARY", body["title"])
    _set(component, "DESCRIPTION", body["description"])
    _set(component, "LOCATION", body["location"])
    component.pop("DURATION", None)
    if body["all_day"] and body["start_date"]:
        start_date = body["start_date"]
        end_date = body["end_date"] or start_date + timedelta(days=1)
        _set(component, "DTSTART", start_date)
        _set(component, "DTEND", end_date)
    else:
        tz = zone(body["timezone"])
        _set(component, "DTSTART", body["start_time"].astimezone(tz))
        _set(component, "DTEND", body["end_time"].astimezone(tz))
    if _attendees(component) != list(body["attendees"]):
        component.pop("ATTENDEE", None)
        for address in body["attendees"]:
            component.add("ATTENDEE", vCalAddress(f"mailto:{address}"))
    _set(component, "TRANSP", "TRANSPARENT" if body.get("transparency") == "transparent" else "OPAQUE")
    component.pop("CATEGORIES", None)
    if body["tags"]:
        component.add("CATEGORIES", list(body["tags"]))
    if "recurrence" in body:
        _set_recurrence(component, body["recurrence"])
    _set(component, "X-CHRONOS-PRIORITY", body.get("priority") or "")
    _set(component, "X-CHRONOS-EVENT-TYPE", body.get("event_type") or "")
    sequence = int(component.get("SEQUENCE", 0) or 0)
    _set(component, "SEQUENCE", sequence + 1)
    _set(component, "DTSTAMP", now)
    _set(component, "LAST-MODIFIED", now)


def _set_recurrence(component: IEvent, lines: list[str]) -> None:
    """The series' RRULE/RDATE/EXDATE lines, written as they are stored (none: a single entry)."""
    for name in RECURRENCE_PROPS:
        component.pop(name, None)
    if not lines:
        return
    for line in lines:  # one at a time: they come back in the order they were stored
        stub = IEvent.from_ical(f"BEGIN:VEVENT\r\n{line}\r\nEND:VEVENT\r\n")
        for name in RECURRENCE_PROPS:
            if name in stub:
                component.add(name, stub[name], encode=False)


def new_calendar(uid: str, body: dict[str, Any], now: datetime) -> ICalendar:
    cal = ICalendar()
    cal.add("PRODID", PRODID)
    cal.add("VERSION", "2.0")
    component = IEvent()
    component.add("UID", uid)
    apply_body(component, body, now)
    component.pop("SEQUENCE", None)
    cal.add_component(component)
    _add_timezones(cal)
    return cal


def update_calendar(cal: ICalendar, body: dict[str, Any], now: datetime) -> ICalendar:
    """The stored resource with its master VEVENT changed; overrides and rules stay."""
    events = vevents(cal)
    master = next((c for c in events if "RECURRENCE-ID" not in c), events[0] if events else None)
    if master is None:
        raise ICalError("the remote resource holds no VEVENT")
    apply_body(master, body, now)
    _add_timezones(cal)
    return cal


def _add_timezones(cal: ICalendar) -> None:
    adder = getattr(cal, "add_missing_timezones", None)
    if adder is not None:
        adder()
