"""Free/busy across attendees and calendars: which slots of a given length are free for whom.

Busy time of an attendee is every stored blocking event they attend (on any calendar) plus,
for attendees whose calendar is synced from Google, Google's free/busy answer. When Google
cannot answer for an attendee, that attendee is reported as unknown: their slots say
``available: null`` and they are listed in ``unknown`` — never shown as free.

Cost: one answer covers thousands of stored events (20 attendees over a month), so the window
is read with one plain cursor (no ORM row conversion), every instant becomes an integer count
of microseconds, and busy periods are built by one sweep over rows sorted by start. Calendars
repeat the same instants and attendee lists, so each distinct value is parsed and formatted
once per answer (:class:`_Clock`, :func:`_asked_among`).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from operator import itemgetter
from typing import NamedTuple

from django.conf import settings
from django.db import connection

from apps.events.models import Calendar, Event
from apps.events.scheduling import (
    DAYS,
    CalendarRules,
    attendee_set,
    candidate_slots,
    normalise_attendee,
    working_windows,
)

logger = logging.getLogger(__name__)

ALL_DAY = {d: [(time(0), time.max)] for d in range(len(DAYS))}

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_NAIVE_EPOCH = datetime(1970, 1, 1)
_MICROSECOND = timedelta(microseconds=1)

#: A period as integer microseconds since the epoch, end exclusive.
Span = tuple[int, int]


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
    """``2025-03-03T09:00:00Z``: UTC with a ``Z``, microseconds only when there are any."""
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def to_micros(value: datetime) -> int:
    """An aware datetime as integer microseconds since the epoch (exact, unlike ``timestamp()``)."""
    return (value - _EPOCH) // _MICROSECOND


class _Clock:
    """Per-answer memo between stored time values, integer microseconds and ISO text.

    A month of meetings uses a few hundred distinct instants (quarter hours) for thousands of
    rows and output periods, so each one is parsed and formatted once.
    """

    __slots__ = ("_micros", "_text")

    def __init__(self) -> None:
        self._micros: dict[object, int] = {}
        self._text: dict[int, str] = {}

    def micros(self, value: str | datetime) -> int:
        """A stored value: SQLite's naive UTC text, or a datetime from other databases."""
        found = self._micros.get(value)
        if found is None:
            moment = datetime.fromisoformat(value) if isinstance(value, str) else value
            found = ((moment - _NAIVE_EPOCH) if moment.tzinfo is None else (moment - _EPOCH)) // _MICROSECOND
            self._micros[value] = found
        return found

    def iso(self, micros: int) -> str:
        text = self._text.get(micros)
        if text is None:
            text = self._text[micros] = iso(_EPOCH + timedelta(microseconds=micros))
        return text


class BusyRow(NamedTuple):
    """A stored blocking event as availability needs it (times in epoch microseconds).

    ``start``, ``end``, ``id`` come first so a row is itself a ``(start, end, id)`` span for
    :func:`merge_busy`.
    """

    start: int
    end: int
    id: int
    calendar_id: str
    attendees: tuple[str, ...]  # the asked attendees among the event's, lower-cased


def _attendee_filter(column: str, people: list[str]) -> tuple[str, list] | None:
    """SQL keeping rows whose attendees JSON names one of ``people`` (lower-cased), per vendor."""
    if connection.vendor == "sqlite":
        marks = ", ".join(["%s"] * len(people))
        return (f"EXISTS (SELECT 1 FROM json_each({column}) AS a WHERE lower(trim(a.value)) IN ({marks}))",
                list(people))
    if connection.vendor == "postgresql":
        return (f"EXISTS (SELECT 1 FROM jsonb_array_elements_text(CASE WHEN jsonb_typeof({column}) = 'array' "
                f"THEN {column} ELSE '[]'::jsonb END) AS a(v) WHERE lower(trim(a.v)) = ANY(%s))", [list(people)])
    return None  # other databases: rows of every calendar are read and filtered in Python


def _asked_among(wanted: frozenset[str]):
    """A memoised ``attendees value -> asked attendees it names``; lists repeat across events."""
    memo: dict[str, tuple[str, ...]] = {}

    def among(value) -> tuple[str, ...]:
        # Only a JSON array names attendees; any other stored value names nobody.
        return tuple(attendee_set(value if isinstance(value, list) else ()) & wanted)

    def asked(raw) -> tuple[str, ...]:
        if not isinstance(raw, str):  # a driver that decodes JSON itself
            return among(raw)
        found = memo.get(raw)
        if found is None:
            found = memo[raw] = among(json.loads(raw))
        return found

    return asked


def read_busy(start: datetime, end: datetime, *, calendar_ids: Iterable[str], attendees: Iterable[str],
              clock: _Clock) -> list[BusyRow]:
    """Blocking events overlapping [start, end) on ``calendar_ids`` or naming one of
    ``attendees`` (on any calendar), sorted by start.

    One statement on a plain cursor: the start bound comes from the longest stored duration
    (``MAX`` over an indexed column), so the read is an index range scan on ``start_time``.
    On SQLite the times are selected as text: the driver's timestamp converter costs more than
    the query.
    """
    cals = list(dict.fromkeys(calendar_ids))
    wanted = attendee_set(list(attendees))
    if end <= start or not (cals or wanted):
        return []
    qn = connection.ops.quote_name
    table = qn(Event._meta.db_table)
    adapt = connection.ops.adapt_datetimefield_value
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT MAX({qn('duration_seconds')}) FROM {table}")
        longest = timedelta(seconds=max(int(cursor.fetchone()[0] or 0), 0))
        if connection.vendor == "sqlite":
            times = f"CAST(e.{qn('start_time')} AS TEXT), CAST(e.{qn('end_time')} AS TEXT)"
        else:
            times = f"e.{qn('start_time')}, e.{qn('end_time')}"
        sql = (f"SELECT {times}, e.{qn('id')}, e.{qn('calendar_id')}, e.{qn('attendees')} FROM {table} AS e "
               f"WHERE e.{qn('start_time')} >= %s AND e.{qn('start_time')} < %s AND e.{qn('end_time')} > %s "
               f"AND e.{qn('all_day')} = %s AND e.{qn('status')} <> %s")
        params: list = [adapt(start - longest), adapt(end), adapt(start), False, Event.Status.CANCELLED]
        picks, pick_params = [], []
        if cals:
            picks.append(f"e.{qn('calendar_id')} IN ({', '.join(['%s'] * len(cals))})")
            pick_params += cals
        people = _attendee_filter(f"e.{qn('attendees')}", sorted(wanted)) if wanted else None
        if people is not None:
            picks.append(people[0])
            pick_params += people[1]
        if picks and (people is not None or not wanted):
            sql += f" AND ({' OR '.join(picks)})"
            params += pick_params
        cursor.execute(sql, params)
        raw = cursor.fetchall()
    micros = clock.micros
    asked = _asked_among(wanted)
    cal_set = set(cals)
    rows: list[BusyRow] = []
    for s, e, ev_id, cal, att in raw:
        s, e = micros(s), micros(e)
        if e <= s:
            continue
        names = asked(att) if wanted else ()
        if names or cal in cal_set:
            rows.append(BusyRow(s, e, ev_id, cal, names))
    # The index hands rows over in start order already, so this sort is a linear check.
    rows.sort(key=itemgetter(0))
    return rows


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


def merge_busy(spans: list, external: list[Span], buffer: int) -> list[list]:
    """Busy periods as sorted, non-overlapping ``[start, end, ids, external]`` (buffer included).

    ``spans`` are ``(start, end, id, ...)`` sorted by start (e.g. :class:`BusyRow`); ``external``
    are ``(start, end)`` from Google. One sweep: a span that starts before the current period
    ends (or exactly when it ends) extends it. The union does not depend on the order of spans
    with equal starts, and ``ids`` are sorted when shown.
    """
    if external:
        spans = sorted([*spans, *((s, e, None) for s, e in external)], key=itemgetter(0))
    merged: list[list] = []
    current: list | None = None
    current_end = 0
    for span in spans:
        s = span[0] - buffer
        e = span[1] + buffer
        if current is None or s > current_end:
            current = [s, e, [], False]
            current_end = e
            merged.append(current)
        elif e > current_end:
            current[1] = current_end = e
        if span[2] is None:
            current[3] = True
        else:
            current[2].append(span[2])
    return merged


def periods(windows: list[Span], merged: list[list], clock: _Clock) -> list[dict]:
    """The working windows cut into free and busy periods, in order."""
    text = clock.iso
    out = []
    j = 0
    n = len(merged)
    for ws, we in windows:
        while j < n and merged[j][1] <= ws:
            j += 1
        cursor, k = ws, j
        while k < n and merged[k][0] < we:
            bs, be, ids, ext = merged[k]
            if bs > cursor:
                out.append({"start_time": text(cursor), "end_time": text(bs), "available": True, "conflicts": []})
            cursor = be if be < we else we
            out.append({"start_time": text(bs if bs > ws else ws), "end_time": text(cursor), "available": False,
                        "conflicts": sorted(ids), "external_busy": ext})
            k += 1
        if cursor < we:
            out.append({"start_time": text(cursor), "end_time": text(we), "available": True, "conflicts": []})
    return out


def free_slots(slots: list[Span], merged: list[list]) -> list[bool]:
    """For sorted grid slots, whether each misses every merged busy period."""
    out = []
    j = 0
    n = len(merged)
    for s, e in slots:
        while j < n and merged[j][1] <= s:
            j += 1
        out.append(j == n or merged[j][0] >= e)
    return out


def default_calendar() -> Calendar | None:
    name = (getattr(settings, "CHRONOS", {}).get("events") or {}).get("default_calendar", "default")
    return Calendar.objects.filter(pk=name).first()


def _micro_spans(pairs: Iterable[tuple[datetime, datetime]]) -> list[Span]:
    return [(to_micros(s), to_micros(e)) for s, e in pairs]


def compute(req: AvailabilityRequest) -> dict:
    """The availability answer: free/busy periods per attendee and calendar inside the working
    windows, and the grid slots of the asked length that are free for everyone known."""
    primary = req.calendars[0] if req.calendars else default_calendar()
    rules = CalendarRules.of(primary)
    buffer = rules.buffer // _MICROSECOND
    clock = _Clock()
    slots = _micro_spans(_slots_for(req, rules))
    windows = _micro_spans(_windows_for(req, rules))

    rows = read_busy(req.start - rules.buffer, req.end + rules.buffer, calendar_ids=[c.pk for c in req.calendars],
                     attendees=req.attendees, clock=clock)
    by_attendee: dict[str, list[BusyRow]] = {a: [] for a in req.attendees}
    by_calendar: dict[str, list[BusyRow]] = {c.pk: [] for c in req.calendars}
    for row in rows:
        for person in row.attendees:
            bucket = by_attendee.get(person)
            if bucket is not None:
                bucket.append(row)
        if row.calendar_id in by_calendar:
            by_calendar[row.calendar_id].append(row)

    external = external_busy(req.attendees, req.start - rules.buffer, req.end + rules.buffer)
    unknown = set(external.unknown) & set(req.attendees)
    known = set(req.attendees) - unknown
    everyone_external: list[Span] = []

    attendees = []
    for person in req.attendees:
        item: dict = {"attendee": person}
        if person in unknown:
            item.update(status="unknown", source="google", slots=[
                {"start_time": clock.iso(ws), "end_time": clock.iso(we), "available": None, "conflicts": []}
                for ws, we in windows])
        else:
            ext = _micro_spans(external.busy.get(person, ()))
            everyone_external.extend(ext)
            item.update(status="known", source="google" if person in external.busy else "local",
                        slots=periods(windows, merge_busy(by_attendee[person], ext, buffer), clock))
        if person in external.errors:
            item["error"] = external.errors[person]
        attendees.append(item)
    calendars = [{"calendar_id": cal.pk, "slots": periods(windows, merge_busy(by_calendar[cal.pk], [], buffer), clock)}
                 for cal in req.calendars]

    # Busy for everyone: rows on an asked calendar or attended by a known attendee (rows stay
    # in start order, so the merge is one sweep); unknown attendees' rows do not count.
    everyone = [r for r in rows if r.calendar_id in by_calendar or not known.isdisjoint(r.attendees)]
    ok = free_slots(slots, merge_busy(everyone, everyone_external, buffer))
    return {
        "start_time": iso(req.start),
        "end_time": iso(req.end),
        "duration_minutes": int(req.duration.total_seconds() // 60),
        "timezone": rules.tz.key,
        "attendees": attendees,
        "calendars": calendars,
        "common_free": [{"start_time": clock.iso(s), "end_time": clock.iso(e)}
                        for (s, e), free in zip(slots, ok, strict=True) if free],
        "unknown": sorted(unknown),
        "complete": not unknown,
    }
