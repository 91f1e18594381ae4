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


def _windows_for(req: AvailabilityRequest, rules: CalendarRules) -> list[tuple[datetime, datetime]]:
    if not req.working_hours_only:
        return [(req.start, req.end)]
    windows = working_windows(rules.hours, rules.tz, req.start, req.end)
    for other in req.calendars[1:]:
        o = CalendarRules.of(other)
        theirs = working_windows(o.hours, o.tz, req.start, req.end)
        windows = [(max(a, c), min(b, d)) for a, b in windows for c, d in theirs if max(a, c) < min(b, d)]
    return windows


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


def merge_busy(rows: list[Busy], external: list[tuple[datetime, datetime]], buffer: timedelta) -> list[list]:
    """Busy periods as sorted, non-overlapping ``[start, end, ids, external]`` (buffer included)."""
    items = sorted([(r.start - buffer, r.end + buffer, r.id) for r in rows]
                   + [(s - buffer, e + buffer, None) for s, e in external], key=lambda x: (x[0], x[1]))
    merged: list[list] = []
    for s, e, ev_id in items:
        if merged and s <= merged[-1][1]:
            last = merged[-1]
            last[1] = max(last[1], e)
        else:
            last = [s, e, [], False]
            merged.append(last)
        if ev_id is None:
            last[3] = True
        else:
            last[2].append(ev_id)
    return merged


def periods(windows: list[tuple[datetime, datetime]], merged: list[list]) -> list[dict]:
    """The working windows cut into free and busy periods, in order."""
    out = []
    j = 0
    for ws, we in windows:
        while j < len(merged) and merged[j][1] <= ws:
            j += 1
        cursor, k = ws, j
        while k < len(merged) and merged[k][0] < we:
            bs, be, ids, ext = merged[k]
            if bs > cursor:
                out.append({"start_time": iso(cursor), "end_time": iso(bs), "available": True, "conflicts": []})
            out.append({"start_time": iso(max(bs, ws)), "end_time": iso(min(be, we)), "available": False,
                        "conflicts": sorted(ids), "external_busy": ext})
            cursor = min(be, we)
            k += 1
        if cursor < we:
            out.append({"start_time": iso(cursor), "end_time": iso(we), "available": True, "conflicts": []})
    return out


def free_slots(slots: list[tuple[datetime, datetime]], merged: list[list]) -> list[bool]:
    """For sorted grid slots, whether each misses every merged busy period."""
    out = []
    j = 0
    for s, e in slots:
        while j < len(merged) and merged[j][1] <= s:
            j += 1
        out.append(j == len(merged) or merged[j][0] >= e)
    return out


def default_calendar() -> Calendar | None:
    name = (getattr(settings, "CHRONOS", {}).get("events") or {}).get("default_calendar", "default")
    return Calendar.objects.filter(pk=name).first()


def compute(req: AvailabilityRequest) -> dict:
    """The availability answer: free/busy periods per attendee and calendar inside the working
    windows, and the grid slots of the asked length that are free for everyone known."""
    primary = req.calendars[0] if req.calendars else default_calendar()
    rules = CalendarRules.of(primary)
    buffer = rules.buffer
    slots = _slots_for(req, rules)
    windows = _windows_for(req, rules)

    rows = window_rows(req.start - buffer, req.end + buffer, calendar_ids=[c.pk for c in req.calendars],
                       attendees=req.attendees)
    by_attendee: dict[str, list[Busy]] = {a: [] for a in req.attendees}
    by_calendar: dict[str, list[Busy]] = {c.pk: [] for c in req.calendars}
    for row in rows:
        for person in row.attendees & by_attendee.keys():
            by_attendee[person].append(row)
        if row.calendar_id in by_calendar:
            by_calendar[row.calendar_id].append(row)

    external = external_busy(req.attendees, req.start - buffer, req.end + buffer)
    unknown = set(external.unknown) & set(req.attendees)
    everyone: list[Busy] = []
    everyone_external: list[tuple[datetime, datetime]] = []

    attendees = []
    for person in req.attendees:
        item: dict = {"attendee": person}
        if person in unknown:
            item.update(status="unknown", source="google", slots=[
                {"start_time": iso(ws), "end_time": iso(we), "available": None, "conflicts": []} for ws, we in windows])
        else:
            ext = external.busy.get(person, [])
            everyone.extend(by_attendee[person])
            everyone_external.extend(ext)
            item.update(status="known", source="google" if person in external.busy else "local",
                        slots=periods(windows, merge_busy(by_attendee[person], ext, buffer)))
        if person in external.errors:
            item["error"] = external.errors[person]
        attendees.append(item)
    calendars = []
    for cal in req.calendars:
        everyone.extend(by_calendar[cal.pk])
        calendars.append({"calendar_id": cal.pk, "slots": periods(windows, merge_busy(by_calendar[cal.pk], [], buffer))})

    ok = free_slots(slots, merge_busy(everyone, everyone_external, buffer))
    return {
        "start_time": iso(req.start),
        "end_time": iso(req.end),
        "duration_minutes": int(req.duration.total_seconds() // 60),
        "timezone": rules.tz.key,
        "attendees": attendees,
        "calendars": calendars,
        "common_free": [{"start_time": iso(s), "end_time": iso(e)} for (s, e), free in zip(slots, ok, strict=True)
                        if free],
        "unknown": sorted(unknown),
        "complete": not unknown,
    }
