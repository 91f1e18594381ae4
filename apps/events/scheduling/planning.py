"""Conflicts and free-slot search for events.

An event *blocks* time when it is timed (not all-day), not cancelled, shown as busy and has
a positive length (the rule is :mod:`apps.events.blocking`). Two blocking events conflict when they overlap (``max(starts) < min(ends)``, so
events that only touch do not) and they share the calendar or at least one attendee.

Window reads are bounded on ``start_time`` by the longest stored duration, so they are
index range scans whatever the table size (see ``Event.duration_seconds``).
"""

from __future__ import annotations

import bisect
import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.db import connection
from django.db.models import CharField
from django.db.models.functions import Cast
from django.utils import timezone

from apps.events.blocking import BLOCKING, CANCELLED, OPAQUE, blocking_sql, blocks, blocks_time
from apps.events.models import Calendar, Event
from apps.events.selectors import longest_sql
from chronos.config import current

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

def normalise_attendee(value) -> str:
    if isinstance(value, dict):
        value = value.get("email", "")
    return str(value or "").strip().lower()


def attendee_set(values: Iterable | None) -> frozenset[str]:
    if not values:
        return frozenset()
    if all(isinstance(v, str) for v in values):
        found = frozenset(v.strip().lower() for v in values)
        return found - {""} if "" in found else found
    return frozenset(a for a in (normalise_attendee(v) for v in values) if a)


class Busy(NamedTuple):
    """A stored blocking event reduced to what slot finding needs."""

    id: int
    calendar_id: str
    start: datetime
    end: datetime
    attendees: frozenset[str]


def _max_duration() -> timedelta:
    # The longest stored timed event bounds conflict scans (all-day events never conflict).
    from apps.events.selectors import max_duration

    return max_duration(timed_only=True)


def _attendee_clause(attendees: list[str]) -> tuple[str, list] | None:
    """SQL that keeps rows naming one of ``attendees`` (lower-cased), per database vendor."""
    column = f'{connection.ops.quote_name(Event._meta.db_table)}.{connection.ops.quote_name("attendees")}'
    if connection.vendor == "sqlite":
        marks = ", ".join(["%s"] * len(attendees))
        return f"EXISTS (SELECT 1 FROM json_each({column}) AS a WHERE lower(trim(a.value)) IN ({marks}))", list(attendees)
    if connection.vendor == "postgresql":
        return (f"EXISTS (SELECT 1 FROM jsonb_array_elements_text(CASE WHEN jsonb_typeof({column}) = 'array' "
                f"THEN {column} ELSE '[]'::jsonb END) AS a(v) WHERE lower(trim(a.v)) = ANY(%s))", [list(attendees)])
    return None


def _aware(value) -> datetime:
    if isinstance(value, str):
        # SQLite keeps UTC without an offset; appending it is cheaper than replace(tzinfo=...).
        return datetime.fromisoformat(value + "+00:00" if len(value) <= 26 else value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def window_rows(start: datetime, end: datetime, *, calendar_ids: Iterable[str] | None = None,
                attendees: Iterable[str] | None = None) -> list[Busy]:
    """Blocking events overlapping [start, end), sorted by start.

    With neither ``calendar_ids`` nor ``attendees`` every calendar is read; otherwise rows on
    those calendars or naming one of those attendees (on any calendar). Rows are read with
    a plain cursor: converting thousands of rows through the ORM costs more than the query.
    """
    if end <= start:
        return []
    qs = Event.objects.filter(
        BLOCKING,
        start_time__gte=start - _max_duration(),
        start_time__lt=end,
        end_time__gt=start,
        is_recurring=False,
    )
    cals = list(calendar_ids or ())
    people = sorted(attendee_set(attendees))
    clause = _attendee_clause(people) if people else None
    if clause is not None:
        sql, params = clause
        if cals:
            marks = ", ".join(["%s"] * len(cals))
            sql = f'({connection.ops.quote_name(Event._meta.db_table)}."calendar_id" IN ({marks}) OR {sql})'
            params = [*cals, *params]
        qs = qs.extra(where=[sql], params=params)
    elif calendar_ids is not None and not people:
        qs = qs.filter(calendar_id__in=cals)
    # (attendees on an unknown database vendor: every calendar is read and filtered below)
    if connection.vendor == "sqlite":
        # Text instead of the driver's per-value timestamp converter: fromisoformat is ~10x faster.
        qs = qs.annotate(_s=Cast("start_time", CharField()), _e=Cast("end_time", CharField()))
        columns = ("id", "calendar_id", "_s", "_e", "attendees")
    else:
        columns = ("id", "calendar_id", "start_time", "end_time", "attendees")
    query_sql, query_params = qs.order_by("start_time", "id").values_list(*columns).query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(query_sql, query_params)
        raw = cursor.fetchall()
    wanted, cal_set = set(people), set(cals)
    rows: list[Busy] = []
    for ev_id, cal, s, e, att in raw:
        s, e = _aware(s), _aware(e)
        if e <= s:
            continue
        if isinstance(att, str):
            att = json.loads(att)
        names = attendee_set(att if isinstance(att, list) else ())
        if people and cal not in cal_set and not (names & wanted):
            continue
        rows.append(Busy(ev_id, cal, s, e, names))
    from apps.events.recurrence import occurrence_spans

    for occ in occurrence_spans(start, end, calendar_ids=None if calendar_ids is None and not people else cals,
                                attendees=people):
        names = attendee_set(occ.value("attendees"))
        if people and occ.event.calendar_id not in cal_set and not (names & wanted):
            continue
        rows.append(Busy(occ.instance_id, occ.event.calendar_id, occ.start, occ.end, names))
    rows.sort(key=lambda b: b.start)
    return rows


@dataclass
class _Index:
    """Busy rows grouped by calendar and by attendee, each list sorted by start."""

    rows: list[Busy]
    by_calendar: dict[str, list[Busy]] = field(default_factory=lambda: defaultdict(list))
    by_attendee: dict[str, list[Busy]] = field(default_factory=lambda: defaultdict(list))
    longest: timedelta = timedelta(0)

    def __post_init__(self) -> None:
        for row in self.rows:
            self.by_calendar[row.calendar_id].append(row)
            for person in row.attendees:
                self.by_attendee[person].append(row)
            self.longest = max(self.longest, row.end - row.start)
        self._starts: dict[int, list[datetime]] = {}

    def overlapping(self, bucket: list[Busy], start: datetime, end: datetime) -> Iterable[Busy]:
        starts = self._starts.get(id(bucket))
        if starts is None:
            starts = self._starts[id(bucket)] = [r.start for r in bucket]
        i = bisect.bisect_left(starts, start - self.longest)
        j = bisect.bisect_left(starts, end)
        for row in bucket[i:j]:
            if row.start < end and row.end > start:
                yield row


def _as_stored(value: datetime) -> str:
    """``value`` as SQLite stores it: UTC ISO text (``YYYY-MM-DD HH:MM:SS[.ffffff]``)."""
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ")


def _same(value: datetime) -> datetime:
    return value


def _db_time_of(vendor: str):
    """How to turn a datetime into what the database hands back for it.

    Comparing in the database's own representation spares parsing every candidate row; the
    text SQLite keeps sorts like the instants it stands for.
    """
    return _as_stored if vendor == "sqlite" else _same


class _Bucket:
    """Candidate rows of one calendar or attendee, in start order, with the running latest end."""

    __slots__ = ("ids", "starts", "ends", "reach")

    def __init__(self) -> None:
        self.ids: list[int] = []
        self.starts: list = []
        self.ends: list = []
        self.reach: list = []

    def add(self, row_id: int, start, end) -> None:
        self.ids.append(row_id)
        self.starts.append(start)
        self.ends.append(end)
        self.reach.append(max(self.reach[-1], end) if self.reach else end)

    def hits(self, start, end) -> Iterable[int]:
        """Ids of rows with ``row.start < end and row.end > start``.

        Walks back from the last row starting before ``end`` and stops where no earlier row
        reaches past ``start`` (``reach`` is the latest end up to that row), so only rows that
        can overlap are looked at.
        """
        i = bisect.bisect_left(self.starts, end) - 1
        reach, ends, ids = self.reach, self.ends, self.ids
        while i >= 0 and reach[i] > start:
            if ends[i] > start:
                yield ids[i]
            i -= 1


def _db_span(event, db_time) -> tuple | None:
    """(start, end) of a blocking event as the database hands them back, else None.

    List rows (:class:`apps.events.selectors.EventRow`) carry them already; models are converted.
    """
    if getattr(event, "db_start", None) is not None:
        if not (blocks_time(all_day=event.all_day, status=event.status, transparency=event.transparency)
                and event.db_end > event.db_start):
            return None
        return event.db_start, event.db_end
    if not blocks(event):
        return None
    return db_time(event.start_time), db_time(event.end_time)


# The longest stored timed event, as the (rounded-up) bound of a conflict probe.
_LONGEST_SECONDS = f"({longest_sql(timed_only=True)})"


def _probe_spans(live: list, vendor: str, *, table: str, longest: str, columns: str, where: str,
                 where_params: list, other) -> list[tuple]:
    """Rows ``(position, *columns)`` of ``table`` on the same calendar overlapping each ``live``
    span, where ``where`` also holds (``p.other`` is ``other(event)``, e.g. an id to leave out).

    One join of the table with a VALUES list of the asked spans: each span is one probe of
    the (calendar, start time) index from its start minus the longest duration to its end,
    and only rows that really overlap come back. ``longest`` (a scalar subquery, evaluated
    once) is read by the same statement, so it always fits the rows it bounds.
    """
    asked = [(i, event.calendar_id, start, end, other(event)) for i, event, _, (start, end) in live]
    if not asked:
        return []
    if vendor == "postgresql":
        # The spans as five arrays: one short statement whatever the page size (the driver
        # parses a statement's placeholders each time it is longer than its cache takes).
        spans = ("WITH p(k, cal, s, e, other) AS (SELECT * FROM unnest(%s::int[], %s::text[], "
                 "%s::timestamptz[], %s::timestamptz[], %s::bigint[])) ")
        params = [list(column) for column in zip(*asked, strict=True)]
        lowest = f"p.s - {longest} * interval '1 second'"
    else:
        spans = f"WITH p(k, cal, s, e, other) AS (VALUES {', '.join(['(%s, %s, %s, %s, %s)'] * len(asked))}) "
        params = [value for span in asked for value in span]
        # datetime() drops fractions of a second: the bound only gets a little lower.
        lowest = f"datetime(p.s, '-' || {longest} || ' seconds')"
    overlapping = (f"o.calendar_id = p.cal AND o.start_time >= {lowest} AND o.start_time < p.e "
                   f"AND o.end_time > p.s AND o.end_time > o.start_time AND {where}")
    picked = ", ".join(f"o.{c}" for c in columns.split(", "))
    if vendor == "postgresql":
        # Each span one probe of the index. As a plain join PostgreSQL cannot see how narrow
        # each range is and hashes the whole table (190 ms for a page of 100 at 100k events,
        # against 1.3 ms): LATERAL with OFFSET 0, which the planner does not flatten into a
        # join, keeps the probes.
        sql = (f"{spans}SELECT p.k, {picked} FROM p CROSS JOIN LATERAL "
               f"(SELECT {picked} FROM {table} o WHERE {overlapping} OFFSET 0) o")
    else:
        sql = f"{spans}SELECT p.k, {picked} FROM p JOIN {table} o ON {overlapping}"
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *where_params])
        return cursor.fetchall()


def _calendar_collisions(live: list, vendor: str) -> dict[int, list[int]]:
    """{position: ids} of blocking events on the same calendar overlapping each ``live`` event."""
    rule, rule_params = blocking_sql("o")
    found: dict[int, list[int]] = defaultdict(list)
    for k, other in _probe_spans(live, vendor, table="events_event", longest=_LONGEST_SECONDS, columns="id",
                                 where=f"{rule} AND o.id <> p.other AND NOT o.is_recurring", where_params=rule_params,
                                 other=lambda e: e.pk if isinstance(e.pk, int) else -1):
        found[k].append(other)
    return found


def _collisions(events: Sequence) -> list[list[int]]:
    """For each of ``events`` (saved or not), the sorted ids of stored events colliding with it.

    Same calendar: one join (see :func:`_calendar_collisions`). Shared attendees, when any of
    the events has some: one read of the blocking rows naming one of them, between the earliest
    start minus the longest stored duration and the latest end, matched here. Times are
    compared as the database returns them (see :func:`_db_time_of`).
    """
    out: list[list[int]] = [[] for _ in events]
    vendor = connection.vendor
    db_time = _db_time_of(vendor)
    live = []
    for i, e in enumerate(events):
        span = _db_span(e, db_time)
        if span is not None:
            live.append((i, e, attendee_set(e.attendees), span))
    if not live:
        return out
    by_position = _calendar_collisions(live, vendor)
    people = sorted(set().union(*(p for _, _, p, _ in live)))
    by_person: dict[str, _Bucket] = defaultdict(_Bucket)
    if people:
        longest = _max_duration()
        first = _aware(min(span[0] for *_, span in live))
        last = max(span[1] for *_, span in live)
        # On SQLite the driver would parse every declared datetime column; as text they stay cheap.
        times = "CAST(start_time AS text), CAST(end_time AS text)" if vendor == "sqlite" else "start_time, end_time"
        clause = _attendee_clause(people) or ("1 = 1", [])  # (an unknown vendor: matched below)
        rule, rule_params = blocking_sql()
        sql = (f"SELECT id, {times}, attendees FROM events_event "
               "WHERE start_time >= %s AND start_time < %s AND end_time > %s AND end_time > start_time "
               f"AND {rule} AND NOT is_recurring AND {clause[0]} ORDER BY start_time, id")
        params = [db_time(first - longest), last, db_time(first), *rule_params, *clause[1]]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        wanted = set(people)
        for row_id, start, end, raw in rows:
            if raw in (None, "[]"):
                continue
            names = attendee_set(json.loads(raw) if isinstance(raw, str) else raw if isinstance(raw, list) else ())
            for person in names & wanted:
                by_person[person].add(row_id, start, end)
    by_occurrence = _occurrence_collisions(live, people)
    for i, event, names, (start, end) in live:
        found = set(by_position.get(i, ()))
        for person in names:
            if person in by_person:
                found.update(by_person[person].hits(start, end))
        found.update(by_occurrence.get(i, ()))
        found.discard(event.pk)
        out[i] = sorted(found, key=lambda x: (isinstance(x, str), x))
    return out


def _own_series(event) -> int | None:
    """The series an event or occurrence belongs to (its occurrences never collide with it).

    A model read with ``only()`` may lack ``is_recurring``: not loaded means not asked for (such
    readers list single events), so it is not fetched row by row.
    """
    series_id = getattr(event, "series_id", None)
    if series_id:
        return series_id
    flag = event.__dict__.get("is_recurring") if isinstance(event, Event) else getattr(event, "is_recurring", False)
    return event.pk if flag else None


_LONGEST_OCCURRENCE_SECONDS = f"({longest_sql(table='events_eventoccurrence')})"


def _calendar_occurrence_collisions(live: list, vendor: str) -> dict[int, list[str]]:
    """{position: instance ids} of blocking stored occurrences on the same calendar overlapping
    each ``live`` event: the probe of :func:`_calendar_collisions`, over ``events_eventoccurrence``
    (its ``occurrence_cal_start_idx``), leaving out the event's own series."""

    def own(event) -> int:
        series = _own_series(event)
        return series if isinstance(series, int) else -1

    found: dict[int, list[str]] = defaultdict(list)
    rows = _probe_spans(live, vendor, table="events_eventoccurrence", longest=_LONGEST_OCCURRENCE_SECONDS,
                        columns="series_id, original_start",
                        where="NOT o.all_day AND o.status <> %s AND o.transparency = %s AND o.series_id <> p.other",
                        where_params=[CANCELLED, OPAQUE], other=own)
    for k, series_id, original in rows:
        # Timed (blocking) occurrences only: their id is the series and the UTC start.
        found[k].append(f"{series_id}_{_aware(original).astimezone(UTC):%Y%m%dT%H%M%SZ}")
    return found


def _occurrence_collisions(live: list, people: list[str]) -> dict[int, list[str]]:
    """{position: instance ids} of series occurrences colliding with each ``live`` event.

    Same calendar: one join with the stored occurrences (:func:`_calendar_occurrence_collisions`).
    Shared attendees, and the part of the span beyond a series' stored horizon: the occurrences
    of the span of the series that can match (:func:`apps.events.occurrences.read_window`).
    """
    from apps.events.occurrences import read_window

    first = _aware(min(span[0] for *_, span in live))
    last = _aware(max(span[1] for *_, span in live))
    found = _calendar_occurrence_collisions(live, connection.vendor)
    calendars = {event.calendar_id for _, event, _, _ in live}
    spans = read_window(first, last, calendar_ids=calendars, blocking=True, unstored_only=True)
    if people:
        spans += read_window(first, last, blocking=True, attendees=people)
    if not spans:
        return found
    for i, event, names, (start, end) in live:
        start, end = _aware(start), _aware(end)
        own = _own_series(event)
        hits = set(found.get(i, ()))
        for occ in spans:
            if occ.start >= end or occ.end <= start or occ.event.pk == own:
                continue
            if occ.event.calendar_id == event.calendar_id or (names & attendee_set(occ.value("attendees"))):
                hits.add(occ.instance_id)
        if hits:
            found[i] = sorted(hits)
    return found


# ((database, events-table version), {event id: conflicting ids}): the conflict lists known for
# the current version only; a change of the events table starts a new map.
_KNOWN: tuple[tuple, dict[int, list[int]]] = ((None, None), {})
KNOWN_LIMIT = 20_000


def conflicts_map(events: Sequence[Event], *, version: int | None = None) -> dict[int, list[int]]:
    """Ids each event collides with, for a whole page of events in one query.

    ``version`` is the events-table version read *before* ``events`` were (see
    :func:`apps.events.selectors.list_events`). Conflict lists are then kept for that version:
    reading the same page again costs no query until the events table changes. A list is kept
    only when the version is unchanged after computing it, so neither the rows nor the table
    it was computed from can have been newer or older than its key.
    """
    global _KNOWN
    saved = [e for e in events if e.pk is not None]
    if version is None:
        return {e.pk: ids for e, ids in zip(saved, _collisions(saved), strict=True)}
    from apps.events.selectors import _cache_version

    if _cache_version() != version:
        # Something was written since the rows were read: kept lists (of the older version)
        # could disagree with lists computed from the newer rows in one answer.
        return {e.pk: ids for e, ids in zip(saved, _collisions(saved), strict=True)}
    key = (connection.settings_dict["NAME"], version)
    known_key, known = _KNOWN
    if known_key != key:
        known = {}
    missing = [e for e in saved if e.pk not in known]
    if not missing:
        return {e.pk: known[e.pk] for e in saved}
    computed = dict(zip((e.pk for e in missing), _collisions(missing), strict=True))
    if _cache_version() == version:
        if known_key != key or len(known) + len(computed) > KNOWN_LIMIT:
            known = {}
            _KNOWN = (key, known)
        known.update(computed)
    return {e.pk: known.get(e.pk) if e.pk in known else computed[e.pk] for e in saved}


def conflicts_for(event: Event) -> list[int]:
    """Ids of stored events that collide with ``event`` (saved or not)."""
    return _collisions([event])[0]


# --- working hours -------------------------------------------------------------------------

def _parse_clock(value) -> time | None:
    text = str(value).strip()
    if text == "24:00":
        return time.max
    try:
        hours, minutes = text.split(":")
        return time(int(hours), int(minutes))
    except (ValueError, TypeError):
        return None


def _ranges(value) -> list[tuple[time, time]]:
    if not value:
        return []
    pairs = [value] if isinstance(value[0], str) else value
    out = []
    for pair in pairs:
        if not isinstance(pair, (list, tuple)) or len(pair) != 2:
            continue
        a, b = _parse_clock(pair[0]), _parse_clock(pair[1])
        if a is not None and b is not None and a < b:
            out.append((a, b))
    return sorted(out)


def working_hours_errors(value) -> list[str]:
    """Problems in a working-hours value, for forms and serializers (empty = valid)."""
    if not isinstance(value, dict):
        return ['expected an object like {"mon": ["09:00", "17:00"]}']
    errors = []
    for key, ranges in value.items():
        if key not in DAYS:
            errors.append(f"{key!r} is not a day (use {', '.join(DAYS)})")
            continue
        if ranges in (None, [], ""):
            continue
        pairs = [ranges] if isinstance(ranges, list) and ranges and isinstance(ranges[0], str) else ranges
        if not isinstance(pairs, list):
            errors.append(f"{key}: expected [start, end]")
            continue
        for pair in pairs:
            ok = isinstance(pair, (list, tuple)) and len(pair) == 2
            a, b = (_parse_clock(pair[0]), _parse_clock(pair[1])) if ok else (None, None)
            if a is None or b is None or not a < b:
                errors.append(f"{key}: {pair!r} is not a HH:MM start before a HH:MM end")
    return errors


def parse_working_hours(value) -> dict[int, list[tuple[time, time]]]:
    """{weekday number: [(start, end), ...]}; unknown or broken entries count as not working."""
    if not isinstance(value, dict) or not value:
        value = current().scheduling.working_hours
    return {DAYS.index(k): _ranges(v) for k, v in value.items() if k in DAYS and _ranges(v)}


def zone_of(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def working_windows(hours: dict[int, list[tuple[time, time]]], tz: ZoneInfo, start: datetime,
                    end: datetime) -> list[tuple[datetime, datetime]]:
    """Working periods (UTC) that intersect [start, end), built per local day in ``tz``.

    Wall-clock times are attached to the zone day by day, so 09:00 stays 09:00 local across
    a DST change.
    """
    out = []
    day: date = start.astimezone(tz).date() - timedelta(days=1)
    last: date = end.astimezone(tz).date()
    while day <= last:
        for a, b in hours.get(day.weekday(), ()):
            ws = _local(day, a, tz)
            we = _local(day + timedelta(days=1), time(0), tz) if b == time.max else _local(day, b, tz)
            ws, we = max(ws, start), min(we, end)
            if ws < we:
                out.append((ws, we))
        day += timedelta(days=1)
    return out


def _local(day: date, clock: time, tz: ZoneInfo) -> datetime:
    # fold=0 picks the earlier instant for an ambiguous time; a time inside a spring-forward
    # gap is normalised by the UTC round trip.
    return datetime.combine(day, clock, tzinfo=tz).astimezone(UTC)


def candidate_slots(hours: dict[int, list[tuple[time, time]]], tz: ZoneInfo, start: datetime, end: datetime, *,
                    duration: timedelta, step_minutes: int) -> list[tuple[datetime, datetime]]:
    """Every slot of ``duration`` inside working hours, starting on a ``step_minutes`` grid.

    The grid is laid on local wall-clock time from the start of each working period, so a
    slot at 09:00 is 09:00 local on both sides of a DST change.
    """
    step = timedelta(minutes=max(int(step_minutes), 1))
    out = []
    day: date = start.astimezone(tz).date() - timedelta(days=1)
    last: date = end.astimezone(tz).date()
    while day <= last:
        for a, b in hours.get(day.weekday(), ()):
            period_end = _local(day + timedelta(days=1), time(0), tz) if b == time.max else _local(day, b, tz)
            wall = datetime.combine(day, a)
            while True:
                local = wall.replace(tzinfo=tz)
                s = local.astimezone(UTC)
                if s.astimezone(tz).replace(tzinfo=None) != wall:
                    wall += step  # wall time that does not exist (spring-forward gap)
                    continue
                e = s + duration
                if e > period_end:
                    break
                if s >= start and e <= end:
                    out.append((s, e))
                wall += step
        day += timedelta(days=1)
    return out


def first_conflicts(busy: list[Busy], slots: list[tuple[datetime, datetime]],
                    buffer: timedelta) -> list[list[int]]:
    """For each slot (sorted), the ids of busy rows (sorted by start) within ``buffer`` of it."""
    longest = max((r.end - r.start for r in busy), default=timedelta(0))
    starts = [r.start for r in busy]
    out = []
    for s, e in slots:
        lo = bisect.bisect_left(starts, s - buffer - longest)
        hi = bisect.bisect_left(starts, e + buffer)
        out.append([r.id for r in busy[lo:hi] if r.start - buffer < e and r.end + buffer > s])
    return out


@dataclass(frozen=True)
class CalendarRules:
    """Working hours, zone, buffer and grid of one calendar."""

    hours: dict[int, list[tuple[time, time]]]
    tz: ZoneInfo
    buffer: timedelta
    slot_minutes: int

    @classmethod
    def of(cls, calendar: Calendar | None) -> CalendarRules:
        if calendar is None:
            return cls(parse_working_hours(None), zone_of(getattr(settings, "TIME_ZONE", "UTC")),
                       timedelta(minutes=current().scheduling.buffer_minutes), current().scheduling.slot_minutes)
        return cls(parse_working_hours(calendar.working_hours), zone_of(calendar.timezone),
                   timedelta(minutes=calendar.buffer_minutes), calendar.slot_minutes or current().scheduling.slot_minutes)


def suggest_slots(event: Event, *, limit: int = 5, now: datetime | None = None) -> list[dict]:
    """The next free slots of the event's length for its calendar and all its attendees.

    Searches from the asked start (never the past) up to ``scheduling.search_days`` ahead, inside
    the calendar's working hours, keeping its buffer around other events; suggestions do not
    overlap one another. Busy time comes from
    stored events (fast and local); the availability endpoint adds Google free/busy.
    """
    now = now or timezone.now()
    duration = event.end_time - event.start_time
    if duration <= timedelta(0) or limit <= 0:
        return []
    rules = CalendarRules.of(event.calendar)
    attendees = attendee_set(event.attendees)
    start = max(event.start_time, now)
    end = start + timedelta(days=current().scheduling.search_days)
    rows = window_rows(start - rules.buffer, end + rules.buffer, calendar_ids=[event.calendar_id],
                       attendees=attendees)
    busy = [r for r in rows if r.id != event.pk and (r.calendar_id == event.calendar_id or r.attendees & attendees)]
    slots = candidate_slots(rules.hours, rules.tz, start, end, duration=duration, step_minutes=rules.slot_minutes)
    out: list[dict] = []
    for (s, e), hits in zip(slots, first_conflicts(busy, slots, rules.buffer), strict=True):
        # Suggestions do not overlap each other: five real alternatives, not one slot
        # shifted by the grid five times.
        if not hits and (not out or s >= out[-1]["end_time"]):
            out.append({"start_time": s, "end_time": e})
            if len(out) >= limit:
                break
    return out
