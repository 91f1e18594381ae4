"""Free/busy across attendees and calendars: which slots of a given length are free for whom.

Busy time of an attendee is every stored blocking event they attend (on any calendar) plus,
for attendees whose calendar is synced from Google, Google's free/busy answer. When Google
cannot answer for an attendee, that attendee is reported as unknown: their slots say
``available: null`` and they are listed in ``unknown`` — never shown as free.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta

from django.conf import settings

from apps.events.models import Calendar
from apps.events.scheduling import (
    DAYS,
    Busy,
    CalendarRules,
    candidate_slots,
    first_conflicts,
    normalise_attendee,
    window_rows,
    working_windows,
)

logger = logging.getLogger(__name__)

ALL_DAY = {d: [(time(0), time.max)] for d in range(len(DAYS))}


@dataclass
class ExternalBusy:
    """What the external free/busy source said about the attendees."""

    busy: dict[str, list[tuple[datetime, datetime]]] = field(default_factory=dict)
    unknown: list[str] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)


def _google_attendees(attendees: list[str]) -> list[str]:
    synced = {
        normalise_attendee(x)
        for x in Calendar.objects.filter(source=Calendar.Source.GOOGLE, enabled=True).values_list("external_id", flat=True)
    }
    return [a for a in attendees if a in synced]


def external_busy(attendees: list[str], start: datetime, end: datetime) -> ExternalBusy:
    """Google free/busy through the sync app; without that app there are no Google attendees."""
    if not attendees:
        return ExternalBusy()
    try:
        from apps.sync.freebusy import query
    except ImportError:
        return ExternalBusy()
    try:
        result = query(attendees=attendees, start=start, end=end)
    except Exception as exc:  # noqa: BLE001  (a broken source must never read as "everyone is free")
        logger.warning("free/busy query failed: %s", exc)
        google = _google_attendees(attendees)
        return ExternalBusy(unknown=google, errors={a: str(exc) or type(exc).__name__ for a in google})
    busy = {normalise_attendee(k): [(s, e) for s, e in v] for k, v in (result.busy or {}).items()}
    unknown = [normalise_attendee(a) for a in (result.unknown or [])]
    errors = {normalise_attendee(k): str(v) for k, v in (getattr(result, "errors", None) or {}).items()}
    return ExternalBusy(busy=busy, unknown=unknown, errors=errors)


def iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


@dataclass
class AvailabilityRequest:
    """A validated availability question."""

    start: datetime
    end: datetime
    duration: timedelta
    attendees: list[str]
    calendars: list[Calendar]
    working_hours_only: bool = True
    step_minutes: int | None = None


def _within(windows: list[tuple[datetime, datetime]], s: datetime, e: datetime) -> bool:
    return any(ws <= s and e <= we for ws, we in windows)


def _slots_for(req: AvailabilityRequest, rules: CalendarRules) -> list[tuple[datetime, datetime]]:
    step = req.step_minutes or rules.slot_minutes
    hours = rules.hours if req.working_hours_only else ALL_DAY
    slots = candidate_slots(hours, rules.tz, req.start, req.end, duration=req.duration, step_minutes=step)
    if req.working_hours_only:
        # Several calendars: a slot must sit inside every calendar's working hours.
        for other in req.calendars[1:]:
            o = CalendarRules.of(other)
            windows = working_windows(o.hours, o.tz, req.start, req.end)
            slots = [(s, e) for s, e in slots if _within(windows, s, e)]
    return slots


def _external_hits(intervals: list[tuple[datetime, datetime]], slots: list[tuple[datetime, datetime]],
                   buffer: timedelta) -> list[bool]:
    if not intervals:
        return [False] * len(slots)
    rows = [Busy(0, "", s, e, frozenset()) for s, e in sorted(intervals)]
    return [bool(hits) for hits in first_conflicts(rows, slots, buffer)]


def default_calendar() -> Calendar | None:
    name = (getattr(settings, "CHRONOS", {}).get("events") or {}).get("default_calendar", "default")
    return Calendar.objects.filter(pk=name).first()


def compute(req: AvailabilityRequest) -> dict:
    """The availability answer: per attendee and calendar slots, and the slots free for all."""
    primary = req.calendars[0] if req.calendars else default_calendar()
    rules = CalendarRules.of(primary)
    slots = _slots_for(req, rules)
    labels = [(iso(s), iso(e)) for s, e in slots]
    buffer = rules.buffer

    rows = window_rows(req.start - buffer, req.end + buffer,
                       calendar_ids=None if req.attendees else [c.pk for c in req.calendars])
    by_attendee: dict[str, list[Busy]] = {a: [] for a in req.attendees}
    by_calendar: dict[str, list[Busy]] = {c.pk: [] for c in req.calendars}
    for row in rows:
        for person in row.attendees & by_attendee.keys():
            by_attendee[person].append(row)
        if row.calendar_id in by_calendar:
            by_calendar[row.calendar_id].append(row)

    external = external_busy(req.attendees, req.start - buffer, req.end + buffer)
    unknown = set(external.unknown)
    free_for_all = [True] * len(slots)

    def entry(busy: list[Busy], extra: list[tuple[datetime, datetime]], is_unknown: bool) -> list[dict]:
        out = []
        local = first_conflicts(busy, slots, buffer)
        ext = _external_hits(extra, slots, buffer)
        for i, (label, ids, ext_busy) in enumerate(zip(labels, local, ext, strict=True)):
            if is_unknown:
                available = None
            else:
                available = not ids and not ext_busy
                if not available:
                    free_for_all[i] = False
            out.append({"start_time": label[0], "end_time": label[1], "available": available,
                        "conflicts": ids, "external_busy": ext_busy})
        return out

    attendees = []
    for person in req.attendees:
        is_unknown = person in unknown
        source = "google" if person in external.busy or is_unknown else "local"
        item = {"attendee": person, "status": "unknown" if is_unknown else "known", "source": source,
                "slots": entry(by_attendee[person], external.busy.get(person, []), is_unknown)}
        if person in external.errors:
            item["error"] = external.errors[person]
        attendees.append(item)
    calendars = [{"calendar_id": c.pk, "slots": entry(by_calendar[c.pk], [], False)} for c in req.calendars]

    return {
        "start_time": iso(req.start),
        "end_time": iso(req.end),
        "duration_minutes": int(req.duration.total_seconds() // 60),
        "timezone": rules.tz.key,
        "attendees": attendees,
        "calendars": calendars,
        "common_free": [{"start_time": a, "end_time": b} for (a, b), ok in zip(labels, free_for_all, strict=True) if ok],
        "unknown": sorted(unknown & set(req.attendees)),
        "complete": not (unknown & set(req.attendees)),
    }
