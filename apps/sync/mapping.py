"""Translation between Google Calendar v3 resources, :class:`RemoteEvent` and local events.

"Show as free" (``transparency: transparent``) is kept; an invitation the calendar's owner
declined (the attendee with ``self: true`` answered ``declined``) comes in as transparent too, so
neither blocks time here (see apps.events.blocking). Only ``transparency`` is written back: the
owner's answer to an invitation is Google's to keep.

All-day entries are dates with an exclusive end; locally they also get start/end times at
midnight of the calendar's zone (stored in UTC) so window queries work unchanged. Timed
entries keep their own zone in ``Event.timezone``.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from apps.events import recurrence
from apps.events.blocking import transparency_for
from apps.events.models import Event
from apps.sync.sources.base import RemoteEvent

# Chronos-only fields travel in the event's private extended properties.
_PRIVATE_KEYS = ("chronos_tags", "chronos_priority", "chronos_event_type")


def rule_end(lines: list[str], *, start_time: datetime | None, end_time: datetime | None, all_day: bool,
             start_date: date | None, end_date: date | None, timezone: str) -> tuple[datetime | None, str | None]:
    """A series' end (its last occurrence's, by the one rule expansion; None: never ends) and, when
    its rule cannot be read, why (else None)."""
    probe = Event(pk=0, start_time=start_time, end_time=end_time, all_day=all_day, start_date=start_date,
                  end_date=end_date, timezone=timezone, recurrence=list(lines))
    try:
        return recurrence.series_end(probe), None
    except recurrence.RecurrenceError as exc:
        return None, str(exc)


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def parse_datetime(value: str) -> datetime:
    # Google sends RFC 3339 with "Z" or an offset; fromisoformat handles both on 3.11+.
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def midnight_utc(day: date, tz: str) -> datetime:
    return datetime.combine(day, time.min, zone(tz)).astimezone(UTC)


def from_google(item: dict[str, Any], *, calendar_tz: str) -> RemoteEvent:
    """A Calendar v3 event resource as a :class:`RemoteEvent` (cancelled items carry only ids)."""
    updated = item.get("updated")
    remote = RemoteEvent(
        external_id=str(item["id"]),
        status=str(item.get("status") or "confirmed"),
        etag=str(item.get("etag") or ""),
        updated=parse_datetime(updated) if updated else None,
        recurring_event_id=str(item.get("recurringEventId") or ""),
    )
    original = item.get("originalStartTime") or {}
    if original.get("dateTime"):
        remote.original_start = parse_datetime(original["dateTime"])
    elif original.get("date"):
        remote.original_start = midnight_utc(date.fromisoformat(original["date"]), calendar_tz)
    if remote.cancelled:
        return remote
    remote.recurrence = [str(line) for line in item.get("recurrence") or []]
    start, end = item.get("start") or {}, item.get("end") or {}
    remote.title = str(item.get("summary") or "(no title)")[:500]
    remote.description = str(item.get("description") or "")
    remote.location = str(item.get("location") or "")[:500]
    if "date" in start:
        remote.all_day = True
        remote.start_date = date.fromisoformat(start["date"])
        remote.end_date = date.fromisoformat(end.get("date") or start["date"])
        if remote.end_date <= remote.start_date:
            remote.end_date = date.fromordinal(remote.start_date.toordinal() + 1)
        remote.timezone = calendar_tz
        remote.start_time = midnight_utc(remote.start_date, calendar_tz)
        remote.end_time = midnight_utc(remote.end_date, calendar_tz)
    else:
        remote.timezone = str(start.get("timeZone") or calendar_tz)
        remote.start_time = parse_datetime(start["dateTime"])
        remote.end_time = parse_datetime(end.get("dateTime") or start["dateTime"])
        if remote.end_time < remote.start_time:
            remote.end_time = remote.start_time
    attendees = [a for a in item.get("attendees") or [] if isinstance(a, dict)]
    remote.attendees = [str(a["email"]) for a in attendees if a.get("email")]
    remote.transparency = transparency_for(
        transparent=item.get("transparency") == "transparent",
        declined=any(a.get("self") is True and a.get("responseStatus") == "declined" for a in attendees),
    )
    private = (item.get("extendedProperties") or {}).get("private") or {}
    if private.get("chronos_tags"):
        try:
            tags = json.loads(private["chronos_tags"])
            remote.tags = [str(t) for t in tags] if isinstance(tags, list) else []
        except ValueError:
            remote.tags = []
    for key in ("chronos_priority", "chronos_event_type"):
        if private.get(key):
            remote.extra[key.removeprefix("chronos_")] = str(private[key])
    return remote


def to_google(event) -> dict[str, Any]:
    """The body we send for a local event (insert or patch)."""
    if event.all_day and event.start_date:
        end_date = event.end_date or date.fromordinal(event.start_date.toordinal() + 1)
        start = {"date": event.start_date.isoformat(), "dateTime": None}
        end = {"date": end_date.isoformat(), "dateTime": None}
    else:
        tz = event.timezone or "UTC"
        start = {"dateTime": event.start_time.astimezone(zone(tz)).isoformat(), "timeZone": tz, "date": None}
        end = {"dateTime": event.end_time.astimezone(zone(tz)).isoformat(), "timeZone": tz, "date": None}
    body = {
        "summary": event.title,
        "description": event.description,
        "location": event.location,
        "start": start,
        "end": end,
        "attendees": [{"email": a} for a in event.attendees or []],
        "transparency": event.transparency,
        "extendedProperties": {"private": {
            "chronos_tags": json.dumps(list(event.tags or [])),
            "chronos_priority": event.priority,
            "chronos_event_type": event.event_type,
        }},
    }
    if getattr(event, "recurrence", None):
        body["recurrence"] = list(event.recurrence)
    return body


def _digest(parts: list[Any]) -> str:
    # A unit-separator join is unambiguous here (no field contains \x1f) and far cheaper than JSON.
    text = "\x1f".join("\x1e".join(p) if isinstance(p, list) else str(p) for p in parts)
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


def event_hash(event) -> str:
    """Digest of the fields exchanged with the source, for "did anything worth pushing change?"."""
    return _digest([event.title, event.description, event.location, event.start_time.astimezone(UTC).isoformat(),
                    event.end_time.astimezone(UTC).isoformat(), bool(event.all_day),
                    event.start_date.isoformat() if event.all_day and event.start_date else None,
                    event.end_date.isoformat() if event.all_day and event.end_date else None,
                    event.timezone, list(event.attendees or []), list(event.tags or []), event.transparency,
                    # Only series add a part: digests of single events stay as they were.
                    *([list(event.recurrence)] if getattr(event, "recurrence", None) else [])])


def remote_hash(remote: RemoteEvent) -> str:
    return _digest([remote.title, remote.description, remote.location, remote.start_time.isoformat(),
                    remote.end_time.isoformat(), remote.all_day,
                    remote.start_date.isoformat() if remote.all_day and remote.start_date else None,
                    remote.end_date.isoformat() if remote.all_day and remote.end_date else None,
                    remote.timezone, list(remote.attendees), list(remote.tags), remote.transparency,
                    *([list(remote.recurrence)] if remote.recurrence else []),
                    # Exceptions sent inside a series' entry (CalDAV, feeds) are part of its content.
                    *([[json.dumps(e, sort_keys=True) for e in remote.exceptions]] if remote.exceptions else [])])
