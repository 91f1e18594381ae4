"""Free/busy across attendees and calendars: which slots of a given length are free for whom.

Busy time of an attendee is every stored blocking event they attend (on any calendar) plus,
for attendees whose calendar is synced from Google, Google's free/busy answer. When Google
cannot answer for an attendee, that attendee is reported as unknown: their slots say
``available: null`` and they are listed in ``unknown`` — never shown as free.

Cost: one answer covers thousands of stored events and periods (20 attendees over a month:
~3,400 rows in, ~2,800 periods and ~340 KB out), so every step works on plain values:

- the window is one statement on a plain cursor; on SQLite it is answered from a covering
  index (migration 0003) and attendees are matched in Python, where a stored attendee list
  is decoded once per process (:func:`_names_in`);
- every instant is an integer count of microseconds; stored values and ISO texts are
  converted once per process (:func:`_micros`, :func:`_text`);
- busy periods are one sweep over rows in start order, and the grid of slots is arithmetic
  wherever the zone keeps one UTC offset through a working range (:func:`grid_slots`);
- period lists are written as JSON text directly (:func:`periods_text`, :class:`JSONText`);
  the answer renders to the same bytes the API's JSON renderer writes for the plain data
  (:meth:`Answer.to_json`). This is a shortcut past DRF's rendering: with
  ``scheduling.prewritten_availability_json: false`` :func:`compute` returns plain data
  (:func:`periods`) for the renderer; ``bench/availability.py --compare`` measures both and
  ``tests/scheduling/test_availability_answer_is_plain_json.py`` holds them to the same bytes.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from operator import itemgetter
from zoneinfo import ZoneInfo

from django.db import connection

from apps.core.timefmt import iso_z
from apps.events.blocking import blocking_sql
from apps.events.models import Calendar, Event
from apps.events.scheduling.planning import (
    DAYS,
    CalendarRules,
    attendee_set,
    candidate_slots,
    normalise_attendee,
    working_windows,
)
from chronos.config import current

logger = logging.getLogger(__name__)

ALL_DAY = {d: [(time(0), time.max)] for d in range(len(DAYS))}

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_NAIVE_EPOCH = datetime(1970, 1, 1)
_MICROSECOND = timedelta(microseconds=1)
_DAY = timedelta(days=1)

#: A period as integer microseconds since the epoch, end exclusive.
Span = tuple[int, int]


@dataclass
class ExternalBusy:
    """What the external free/busy source said about the attendees."""

    busy: dict[str, list[tuple[datetime, datetime]]] = field(default_factory=dict)
    unknown: list[str] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)


# Busy time of attendees outside Chronos (Google free/busy), answered by the calendar sync app,
# which provides it from its ready(): the events app does not import sync.
ExternalBusySource = Callable[..., "ExternalBusy"]
_external_source: ExternalBusySource | None = None


def provide_external_busy(source: ExternalBusySource | None) -> None:
    """Install ``source(attendees=, start=, end=) -> ExternalBusy``; ``None`` removes it."""
    global _external_source
    _external_source = source


def external_busy(attendees: list[str], start: datetime, end: datetime) -> ExternalBusy:
    """What the external source says about ``attendees``; nothing when there is no source."""
    if not attendees or _external_source is None:
        return ExternalBusy()
    try:
        result = _external_source(attendees=attendees, start=start, end=end)
    except Exception as exc:  # noqa: BLE001  (a broken source must never read as "everyone is free")
        logger.warning("free/busy query failed: %s", exc)
        return ExternalBusy(unknown=list(attendees), errors={a: str(exc) or type(exc).__name__ for a in attendees})
    busy = {normalise_attendee(k): [(s, e) for s, e in v] for k, v in result.busy.items()}
    unknown = [normalise_attendee(a) for a in result.unknown]
    errors = {normalise_attendee(k): str(v) for k, v in result.errors.items()}
    return ExternalBusy(busy=busy, unknown=unknown, errors=errors)


def to_micros(value: datetime) -> int:
    """An aware datetime as integer microseconds since the epoch (exact, unlike ``timestamp()``)."""
    return (value - _EPOCH) // _MICROSECOND


# Process-wide memos of pure conversions. Meetings start and end on a few thousand distinct
# instants and repeat the same attendee lists, so nearly every lookup of a later answer hits.
# Each memo is emptied when it grows past this many entries (a few MB at most).
_MEMO_LIMIT = 50_000
_MICROS: dict[object, int] = {}
_TEXTS: dict[int, str] = {}
_NAMES: dict[str, tuple[frozenset[str], frozenset[str]]] = {}


def _micros(value: str | datetime) -> int:
    """A stored time: SQLite's naive UTC text, or a datetime from other databases."""
    found = _MICROS.get(value)
    if found is None:
        moment = datetime.fromisoformat(value) if isinstance(value, str) else value
        found = ((moment - _NAIVE_EPOCH) if moment.tzinfo is None else (moment - _EPOCH)) // _MICROSECOND
        if len(_MICROS) >= _MEMO_LIMIT:
            _MICROS.clear()
        _MICROS[value] = found
    return found


def _text(micros: int) -> str:
    """Integer microseconds as :func:`iso` text."""
    found = _TEXTS.get(micros)
    if found is None:
        found = iso_z(_EPOCH + timedelta(microseconds=micros))
        if len(_TEXTS) >= _MEMO_LIMIT:
            _TEXTS.clear()
        _TEXTS[micros] = found
    return found


_NOBODY: tuple[frozenset[str], frozenset[str]] = (frozenset(), frozenset())


def _names(value) -> tuple[frozenset[str], frozenset[str]]:
    # Only a JSON array names attendees: its strings (trimmed, lower-cased) and, once a row is
    # read, the e-mails of its objects too (see _asked).
    if not isinstance(value, list):
        return _NOBODY
    return attendee_set([v for v in value if isinstance(v, str)]), attendee_set(value)


def _names_in(raw) -> tuple[frozenset[str], frozenset[str]]:
    """``(strings, everyone)`` a stored ``attendees`` value names; JSON text is decoded once per
    process."""
    if not isinstance(raw, str):  # a driver that decodes JSON itself
        return _names(raw)
    found = _NAMES.get(raw)
    if found is None:
        try:
            found = _names(json.loads(raw))
        except ValueError:
            found = _NOBODY
        if len(_NAMES) >= _MEMO_LIMIT:
            _NAMES.clear()
        _NAMES[raw] = found
    return found


def _asked(raw, wanted: frozenset[str]) -> tuple[bool, tuple[str, ...]]:
    """Whether a stored attendee list matches ``wanted`` as the SQL match of conflicts does (one
    of its strings is asked), and the asked attendees a row with it counts for once it is read
    (for matching the row or for being on an asked calendar)."""
    strings, everyone = _names_in(raw)
    return not strings.isdisjoint(wanted), tuple(sorted(everyone & wanted))


#: A stored blocking event as availability needs it: ``(start, end, id, calendar_id,
#: asked attendees it names)``, times in epoch microseconds. Its first three items make it a
#: ``(start, end, id)`` span for :func:`merge_busy`.
BusyRow = tuple[int, int, int, str, tuple[str, ...]]


def _attendee_filter(column: str, people: list[str]) -> tuple[str, list] | None:
    """SQL keeping rows whose attendees JSON names one of ``people``, where that pays.

    On PostgreSQL rows travel over a socket, so they are filtered in the query. On SQLite
    handing a row over costs about what matching its JSON in SQL costs, and the asked people
    usually attend most rows of the window: rows are matched in Python instead (None).
    """
    if connection.vendor == "postgresql":
        return (f"EXISTS (SELECT 1 FROM jsonb_array_elements_text(CASE WHEN jsonb_typeof({column}) = 'array' "
                f"THEN {column} ELSE '[]'::jsonb END) AS a(v) WHERE lower(trim(a.v)) = ANY(%s))", [list(people)])
    return None


def read_busy(start: datetime, end: datetime, *, calendar_ids: Iterable[str],
              attendees: Iterable[str]) -> list[BusyRow]:
    """Blocking events overlapping [start, end) on ``calendar_ids`` or naming one of
    ``attendees`` (on any calendar), sorted by start.

    One statement on a plain cursor: the start bound comes from the longest stored timed
    event (``MAX`` over a partial index), so the read is an index range scan on
    ``start_time``; on SQLite that scan is on ``event_busy_cover_idx``, which holds every
    column read here, so no table row is visited. On SQLite the times are selected as text:
    the driver's timestamp converter costs more than the query.
    """
    cals = list(dict.fromkeys(calendar_ids))
    wanted = attendee_set(list(attendees))
    if end <= start or not (cals or wanted):
        return []
    qn = connection.ops.quote_name
    table = qn(Event._meta.db_table)
    adapt = connection.ops.adapt_datetimefield_value
    all_day = f"e.{qn('all_day')}"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT MAX({qn('duration_seconds')}) FROM {table} AS e WHERE NOT {all_day}")
        longest = timedelta(seconds=max(int(cursor.fetchone()[0] or 0), 0))
        if connection.vendor == "sqlite":
            times = f"CAST(e.{qn('start_time')} AS TEXT), CAST(e.{qn('end_time')} AS TEXT)"
        else:
            times = f"e.{qn('start_time')}, e.{qn('end_time')}"
        # The blocking rule's "NOT all_day" is the covering index's condition, so SQLite uses it;
        # status and transparency are columns of that index.
        rule, rule_params = blocking_sql("e")
        sql = (f"SELECT {times}, e.{qn('id')}, e.{qn('calendar_id')}, e.{qn('attendees')} FROM {table} AS e "
               f"WHERE e.{qn('start_time')} >= %s AND e.{qn('start_time')} < %s AND e.{qn('end_time')} > %s "
               f"AND {rule}")
        params: list = [adapt(start - longest), adapt(end), adapt(start), *rule_params]
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
    micros, known_micros, names_of = _micros, _MICROS.get, _asked
    # Per answer: what each distinct stored list means for the asked attendees.
    asked: dict[str, tuple[bool, tuple[str, ...]]] = {}
    nobody = (False, ())
    cal_set = set(cals)
    rows: list[BusyRow] = []
    add = rows.append
    for s_raw, e_raw, ev_id, cal, att in raw:
        s = known_micros(s_raw) or micros(s_raw)
        e = known_micros(e_raw) or micros(e_raw)
        if e <= s:
            continue
        if not wanted:
            hit, names = nobody
        elif isinstance(att, str):
            found = asked.get(att)
            if found is None:
                found = asked[att] = names_of(att, wanted)
            hit, names = found
        else:  # a driver that decodes JSON itself: nothing hashable to memoise on
            hit, names = names_of(att, wanted)
        if hit or cal in cal_set:
            add((s, e, ev_id, cal, names))
    rows = _expand_occurrences(rows, start, end, cals, wanted)
    # The index hands rows over in start order already, so this sort is a linear check.
    rows.sort(key=itemgetter(0))
    return rows


def _expand_occurrences(rows: list[BusyRow], start: datetime, end: datetime, cals: list[str],
                        wanted: frozenset[str]) -> list[BusyRow]:
    """Recurring series count by their occurrences: their stored rows (the first occurrence)
    are dropped and every occurrence overlapping the window is added."""
    from apps.events.recurrence import occurrence_spans

    series: set[int] = set()
    found = occurrence_spans(start, end, calendar_ids=cals, attendees=wanted, seen=series)
    if series:
        rows = [r for r in rows if r[2] not in series]
    cal_set = set(cals)
    for occ in found:
        hit, names = _asked(occ.value("attendees") or [], wanted) if wanted else (False, ())
        if hit or occ.event.calendar_id in cal_set:
            rows.append((to_micros(occ.start), to_micros(occ.end), occ.instance_id, occ.event.calendar_id, names))
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


def _within(windows: list[Span], s: int, e: int) -> bool:
    return any(ws <= s and e <= we for ws, we in windows)


def _micro_spans(pairs: Iterable[tuple[datetime, datetime]]) -> list[Span]:
    return [(to_micros(s), to_micros(e)) for s, e in pairs]


def _windows_for(req: AvailabilityRequest, rules: CalendarRules) -> list[Span]:
    if not req.working_hours_only:
        return [(to_micros(req.start), to_micros(req.end))]
    windows = _micro_spans(working_windows(rules.hours, rules.tz, req.start, req.end))
    for other in req.calendars[1:]:
        o = CalendarRules.of(other)
        theirs = _micro_spans(working_windows(o.hours, o.tz, req.start, req.end))
        windows = [(max(a, c), min(b, d)) for a, b in windows for c, d in theirs if max(a, c) < min(b, d)]
    return windows


def _local(day: date, clock: time, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, clock, tzinfo=tz)


def _exists(local: datetime) -> bool:
    """Whether a wall time is a real instant (not inside a spring-forward gap)."""
    return local.astimezone(UTC).astimezone(local.tzinfo).replace(tzinfo=None) == local.replace(tzinfo=None)


def grid_slots(hours: dict[int, list[tuple[time, time]]], tz: ZoneInfo, start: datetime, end: datetime, *,
               duration: timedelta, step_minutes: int) -> list[Span]:
    """:func:`apps.events.scheduling.planning.candidate_slots` as integer microsecond spans.

    Where both ends of every working range are real wall times with the same UTC offset (no
    DST change inside a range; no zone changes its offset and back within one day), local wall
    time is UTC plus a constant, so the grid is plain arithmetic and gives the slots of the
    wall-clock walk of ``candidate_slots``, which still answers whenever a range in the window
    meets an offset change.
    """
    step = max(int(step_minutes), 1) * 60_000_000
    length = duration // _MICROSECOND
    lo, hi = to_micros(start), to_micros(end)
    out: list[Span] = []
    day: date = start.astimezone(tz).date() - _DAY
    last: date = end.astimezone(tz).date()
    while day <= last:
        for a, b in hours.get(day.weekday(), ()):
            first = _local(day, a, tz)
            stop = _local(day + _DAY, time(0), tz) if b == time.max else _local(day, b, tz)
            if not (_exists(first) and _exists(stop) and first.utcoffset() == stop.utcoffset()):
                return _micro_spans(candidate_slots(hours, tz, start, end, duration=duration,
                                                    step_minutes=step_minutes))
            s0, period_end = to_micros(first), to_micros(stop)
            # Grid points s0 + k*step with s >= lo and s + length <= min(period_end, hi).
            skip = -((s0 - lo) // step) if s0 < lo else 0
            latest = min(period_end, hi) - length
            out.extend((s, s + length) for s in range(s0 + skip * step, latest + 1, step))
        day += _DAY
    return out


def _slots_for(req: AvailabilityRequest, rules: CalendarRules) -> list[Span]:
    step = req.step_minutes or rules.slot_minutes
    hours = rules.hours if req.working_hours_only else ALL_DAY
    slots = grid_slots(hours, rules.tz, req.start, req.end, duration=req.duration, step_minutes=step)
    if req.working_hours_only:
        # Several calendars: a slot must sit inside every calendar's working hours.
        for other in req.calendars[1:]:
            o = CalendarRules.of(other)
            windows = _micro_spans(working_windows(o.hours, o.tz, req.start, req.end))
            slots = [(s, e) for s, e in slots if _within(windows, s, e)]
    return slots


def merge_busy(spans: list, external: list[Span], buffer: int) -> list[list]:
    """Busy periods as sorted, non-overlapping ``[start, end, ids, external]`` (buffer included).

    ``spans`` are ``(start, end, id, ...)`` sorted by start (e.g. :data:`BusyRow`); ``external``
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


def busy_times(spans: list, external: list[Span], buffer: int) -> list[Span]:
    """Like :func:`merge_busy` but only the times: the common slots need no event ids."""
    if external:
        spans = sorted([*spans, *external], key=itemgetter(0))
    out: list[Span] = []
    cur_s = cur_e = None
    for span in spans:
        s = span[0] - buffer
        e = span[1] + buffer
        if cur_e is None or s > cur_e:
            if cur_e is not None:
                out.append((cur_s, cur_e))
            cur_s, cur_e = s, e
        elif e > cur_e:
            cur_e = e
    if cur_e is not None:
        out.append((cur_s, cur_e))
    return out


class JSONText:
    """A list already written as compact JSON text.

    :meth:`Answer.to_json` copies the text as it is; anything else that iterates it (another
    renderer, e.g. with indentation) gets the decoded items.
    """

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def __iter__(self) -> Iterator:
        return iter(json.loads(self.text))


_FREE = '"available":true,"conflicts":[]}'


def _sweep(windows: list[Span], merged: list[list]):
    """The working windows cut into periods, in order: ``(start, end, None, False)`` for a free
    one, ``(start, end, conflict ids, external busy)`` for a busy one. ``merged`` holds the
    busy spans in start order, ``[start, end, ids, external]``."""
    j = 0
    n = len(merged)
    for ws, we in windows:
        while j < n and merged[j][1] <= ws:
            j += 1
        cursor, k = ws, j
        while k < n and merged[k][0] < we:
            bs, be, ids, ext = merged[k]
            if bs > cursor:
                yield cursor, bs, None, False
            since = bs if bs > ws else ws
            cursor = be if be < we else we
            yield since, cursor, ids, ext
            k += 1
        if cursor < we:
            yield cursor, we, None, False


def periods(windows: list[Span], merged: list[list]) -> list[dict]:
    """The working windows cut into free and busy periods, in order:
    ``{start_time, end_time, available, conflicts}`` plus ``external_busy`` when busy."""
    text = _text
    return [{"start_time": text(start), "end_time": text(end), "available": True, "conflicts": []} if ids is None
            else {"start_time": text(start), "end_time": text(end), "available": False,
                  "conflicts": sorted(ids, key=lambda i: (isinstance(i, str), i)), "external_busy": bool(ext)}
            for start, end, ids, ext in _sweep(windows, merged)]


def periods_text(windows: list[Span], merged: list[list]) -> JSONText:
    """:func:`periods` written as JSON text."""
    known, text = _TEXTS.get, _text
    out = [f'{{"start_time":"{known(start) or text(start)}","end_time":"{known(end) or text(end)}",{_FREE}'
           if ids is None else
           f'{{"start_time":"{known(start) or text(start)}","end_time":"{known(end) or text(end)}",'
           f'"available":false,"conflicts":[{_shown(ids)}],"external_busy":{"true" if ext else "false"}}}'
           for start, end, ids, ext in _sweep(windows, merged)]
    return JSONText(f"[{','.join(out)}]")


def _shown(ids: list) -> str:
    """Conflict ids as JSON list items: stored events' integers first, then occurrence ids (text)."""
    if len(ids) == 1 and type(ids[0]) is int:
        return str(ids[0])
    return ",".join(f'"{i}"' if isinstance(i, str) else str(i) for i in sorted(ids, key=lambda i: (isinstance(i, str), i)))


def unknown_periods(windows: list[Span]) -> list[dict]:
    """Every working window as one period of unknown availability."""
    return [{"start_time": _text(ws), "end_time": _text(we), "available": None, "conflicts": []} for ws, we in windows]


def unknown_periods_text(windows: list[Span]) -> JSONText:
    """:func:`unknown_periods` written as JSON text."""
    text = _text
    return JSONText("[" + ",".join(
        f'{{"start_time":"{text(ws)}","end_time":"{text(we)}","available":null,"conflicts":[]}}'
        for ws, we in windows) + "]")


def free_slots(slots: list[Span], busy: list[Span]) -> list[bool]:
    """For sorted grid slots, whether each misses every busy period (sorted, non-overlapping)."""
    out = []
    j = 0
    n = len(busy)
    for s, e in slots:
        while j < n and busy[j][1] <= s:
            j += 1
        out.append(j == n or busy[j][0] >= e)
    return out


def _encode(value) -> str:
    """Compact JSON as the API's JSON renderer writes it (non-ASCII kept, NaN refused)."""
    if isinstance(value, JSONText):
        return value.text
    if isinstance(value, dict):
        return "{" + ",".join(f"{_dumps(str(k))}:{_encode(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ",".join(_encode(v) for v in value) + "]"
    return _dumps(value)


def _dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":"))


class Answer(dict):
    """The availability answer: plain data, except that period lists are :class:`JSONText`."""

    def to_json(self) -> bytes:
        """The bytes the API's JSON renderer would write for the decoded answer.

        Only the period lists are pre-written, and they are ASCII (times, ids, literals); the
        renderer's escaping of U+2028/U+2029 is applied to the rest.
        """
        text = _encode(self)
        if "\u2028" in text or "\u2029" in text:
            text = text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
        return text.encode()


def default_calendar() -> Calendar | None:
    return Calendar.objects.filter(pk=current().events.default_calendar).first()


def compute(req: AvailabilityRequest) -> Answer:
    """The availability answer: free/busy periods per attendee and calendar inside the working
    windows, and the grid slots of the asked length that are free for everyone known."""
    prewritten = current().scheduling.prewritten_availability_json
    write_periods = periods_text if prewritten else periods
    primary = req.calendars[0] if req.calendars else default_calendar()
    rules = CalendarRules.of(primary)
    buffer = rules.buffer // _MICROSECOND
    slots = _slots_for(req, rules)
    windows = _windows_for(req, rules)

    rows = read_busy(req.start - rules.buffer, req.end + rules.buffer, calendar_ids=[c.pk for c in req.calendars],
                     attendees=req.attendees)
    by_attendee: dict[str, list[BusyRow]] = {a: [] for a in req.attendees}
    by_calendar: dict[str, list[BusyRow]] = {c.pk: [] for c in req.calendars}
    for row in rows:
        for person in row[4]:
            bucket = by_attendee.get(person)
            if bucket is not None:
                bucket.append(row)
        bucket = by_calendar.get(row[3])
        if bucket is not None:
            bucket.append(row)

    external = external_busy(req.attendees, req.start - rules.buffer, req.end + rules.buffer)
    unknown = set(external.unknown) & set(req.attendees)
    known = set(req.attendees) - unknown
    everyone_external: list[Span] = []

    attendees = []
    for person in req.attendees:
        item: dict = {"attendee": person}
        if person in unknown:
            item.update(status="unknown", source="google",
                        slots=(unknown_periods_text if prewritten else unknown_periods)(windows))
        else:
            ext = _micro_spans(external.busy.get(person, ()))
            everyone_external.extend(ext)
            item.update(status="known", source="google" if person in external.busy else "local",
                        slots=write_periods(windows, merge_busy(by_attendee[person], ext, buffer)))
        if person in external.errors:
            item["error"] = external.errors[person]
        attendees.append(item)
    calendars = [{"calendar_id": cal.pk, "slots": write_periods(windows, merge_busy(by_calendar[cal.pk], [], buffer))}
                 for cal in req.calendars]

    # Busy for everyone: rows on an asked calendar or attended by a known attendee (rows stay
    # in start order, so the merge is one sweep); unknown attendees' rows do not count.
    everyone = rows if not unknown else [r for r in rows if r[3] in by_calendar or not known.isdisjoint(r[4])]
    ok = free_slots(slots, busy_times(everyone, everyone_external, buffer))
    text = _text
    if prewritten:
        common = JSONText("[" + ",".join(f'{{"start_time":"{text(s)}","end_time":"{text(e)}"}}'
                                         for (s, e), free in zip(slots, ok, strict=True) if free) + "]")
    else:
        common = [{"start_time": text(s), "end_time": text(e)} for (s, e), free in zip(slots, ok, strict=True) if free]
    return (Answer if prewritten else dict)({
        "start_time": iso_z(req.start),
        "end_time": iso_z(req.end),
        "duration_minutes": int(req.duration.total_seconds() // 60),
        "timezone": rules.tz.key,
        "attendees": attendees,
        "calendars": calendars,
        "common_free": common,
        "unknown": sorted(unknown),
        "complete": not unknown,
    })
