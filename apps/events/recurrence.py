"""Recurring events: RFC 5545 ``RRULE``/``EXDATE``/``RDATE`` lines expanded into occurrences.

The rules are python-dateutil's ``rrule``/``rruleset`` (the reference implementation of RFC 5545
recurrence in Python, lazy, already a dependency of the Google client). ``recurring-ical-events``
covers more corner cases of whole iCalendar files, but works on ``icalendar`` components and
expands eagerly per window; Chronos stores Google's ``recurrence`` lines per event and needs a
lazy iterator for unbounded rules, which ``rruleset`` is.

Rules are expanded on *naive local* times in the event's time zone and each occurrence is then
placed in that zone: a 09:30 Europe/Berlin series stays at 09:30 local time across DST. An
occurrence lasts as long as the series' first one (all-day: as many days).
"""

from __future__ import annotations

import functools
import heapq
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from dateutil import rrule as du

from apps.events.timeparse import MAX_YEAR, MIN_YEAR, TimeError, zone

if TYPE_CHECKING:
    from django.db.models import Q

# A bounded rule with more occurrences than this is treated as never-ending (its end is not
# searched for): COUNT=10**9 or an hourly rule until 9999 must not stall a save.
MAX_WALK = 100_000

MAX_LINES = 100
_LINE = re.compile(r"^(RRULE|EXDATE|RDATE)((?:;[A-Za-z-]+=[^:;]+)*):(.+)$", re.IGNORECASE)
_STAMP = re.compile(r"^(\d{8})(T(\d{6})(Z?))?$")
# Expansion slack on naive local bounds: more than any UTC offset change.
_SLACK = timedelta(days=1)


class RecurrenceError(ValueError):
    """A recurrence that cannot be used; the message names the problem."""


@dataclass(frozen=True)
class Rule:
    """Parsed lines: RRULE strings, RDATE/EXDATE values as naive local datetimes."""

    rrules: tuple[str, ...]
    rdates: tuple[datetime, ...]
    exdates: tuple[datetime, ...]


_UNTIL = re.compile(r"UNTIL=(\d{8}T\d{6})Z", re.IGNORECASE)


def local_rrule(text: str, tz: ZoneInfo) -> str:
    """An RRULE with a UTC ``UNTIL`` rewritten to local wall time (rules expand on naive local times)."""
    def local(found: re.Match) -> str:
        try:
            moment = datetime.strptime(found.group(1), "%Y%m%dT%H%M%S").replace(tzinfo=UTC).astimezone(tz)
        except (ValueError, OverflowError):
            return found.group(0)  # left for dateutil to refuse with its reason
        return f"UNTIL={moment:%Y%m%dT%H%M%S}"

    return _UNTIL.sub(local, text.strip())


# RFC 5545 bounds of the BYxxx parts: a value outside them never matches, and dateutil would
# then search day by day until the year 9999 for an occurrence.
_BOUNDS = {"BYSECOND": (0, 60), "BYMINUTE": (0, 59), "BYHOUR": (0, 23), "BYMONTHDAY": (-31, 31),
           "BYYEARDAY": (-366, 366), "BYWEEKNO": (-53, 53), "BYMONTH": (1, 12), "BYSETPOS": (-366, 366),
           "INTERVAL": (1, 10_000)}


def _check_ranges(line: str, text: str) -> None:
    for part in text.split(";"):
        name, _, value = part.partition("=")
        bounds = _BOUNDS.get(name.strip().upper())
        if bounds is None:
            continue
        for item in value.split(","):
            try:
                number = int(item)
            except ValueError:
                raise RecurrenceError(f"{line!r}: {name}={item!r} is not a number.") from None
            if not bounds[0] <= number <= bounds[1] or (number == 0 and bounds[0] < 0):
                raise RecurrenceError(f"{line!r}: {name} must be within {bounds[0]}..{bounds[1]}.")


def _stamp(raw: str, *, tz: ZoneInfo, tzid: str | None, all_day: bool, line: str) -> datetime:
    found = _STAMP.match(raw.strip())
    if not found:
        raise RecurrenceError(f"{line!r}: {raw!r} is not a DATE or DATE-TIME value.")
    try:
        day = datetime.strptime(found.group(1), "%Y%m%d")
        if not found.group(2):
            return day
        clock = datetime.strptime(found.group(3), "%H%M%S").time()
    except ValueError:
        raise RecurrenceError(f"{line!r}: {raw!r} is not a valid date or time.") from None
    if not MIN_YEAR <= day.year <= MAX_YEAR:
        raise RecurrenceError(f"{line!r}: year {day.year} is out of range.")
    moment = datetime.combine(day.date(), clock)
    if found.group(4):
        moment = moment.replace(tzinfo=UTC).astimezone(tz).replace(tzinfo=None)
    elif tzid:
        try:
            other = zone(tzid)
        except TimeError:
            raise RecurrenceError(f"{line!r}: unknown time zone {tzid!r}.") from None
        moment = moment.replace(tzinfo=other).astimezone(tz).replace(tzinfo=None)
    if all_day:
        return datetime.combine(moment.date(), time())
    return moment


def parse(lines, *, tz_name: str = "UTC", all_day: bool = False) -> Rule:
    """``lines`` checked and parsed; :class:`RecurrenceError` names the first problem."""
    if not isinstance(lines, list | tuple):
        raise RecurrenceError("Give a list of RFC 5545 lines (RRULE, EXDATE, RDATE).")
    if len(lines) > MAX_LINES:
        raise RecurrenceError(f"At most {MAX_LINES} lines.")
    try:
        tz = zone(tz_name)
    except TimeError as exc:
        raise RecurrenceError(str(exc)) from None
    rrules: list[str] = []
    rdates: list[datetime] = []
    exdates: list[datetime] = []
    for line in lines:
        if not isinstance(line, str):
            raise RecurrenceError(f"{line!r} is not a text line.")
        found = _LINE.match(line.strip())
        if not found:
            raise RecurrenceError(f"{line!r} is not an RRULE, EXDATE or RDATE line.")
        name, params, value = found.group(1).upper(), found.group(2), found.group(3)
        if name == "RRULE":
            local = local_rrule(value, tz)
            try:
                rule = du.rrulestr(local, dtstart=datetime(2000, 1, 1))
            except (ValueError, TypeError, OverflowError, IndexError, KeyError) as exc:
                raise RecurrenceError(f"{line!r}: {exc or 'not a valid rule'}") from None
            if rule._freq in (du.SECONDLY, du.MINUTELY):  # noqa: SLF001 - dateutil keeps it private
                raise RecurrenceError(f"{line!r}: a rule may repeat at most hourly.")
            _check_ranges(line, local)
            rrules.append(local)
            continue
        tzid = None
        for param in filter(None, params.split(";")):
            key, _, val = param.partition("=")
            if key.upper() == "TZID":
                tzid = val
        target = rdates if name == "RDATE" else exdates
        for raw in value.split(","):
            target.append(_stamp(raw, tz=tz, tzid=tzid, all_day=all_day, line=line))
    if not rrules and not rdates:
        raise RecurrenceError("A recurrence needs an RRULE or an RDATE line.")
    return Rule(tuple(rrules), tuple(rdates), tuple(exdates))


def validate(lines, *, tz_name: str, all_day: bool) -> list[str]:
    """The lines, stripped, if valid (else :class:`RecurrenceError`)."""
    parse(lines, tz_name=tz_name, all_day=all_day)
    return [line.strip() for line in lines]


# One period of the rules that may start later (see _ruleset).
_PERIOD = {du.DAILY: timedelta(days=1), du.WEEKLY: timedelta(weeks=1), du.HOURLY: timedelta(hours=1)}


def _later_start(rule: du.rrule, dtstart: datetime, near: datetime | None) -> du.rrule:
    """``rule`` begun at its last whole number of periods before ``near``, when that is the same set.

    dateutil walks every rule from its DTSTART, so a two-year-old daily series would be walked
    700 steps to reach today's window. A rule without COUNT whose period is a fixed length of
    wall-clock time (hourly, daily, weekly) has the same occurrences from any start that lies
    a whole number of intervals later (weekday, time of day and interval alignment are kept),
    so it is handed to dateutil with that start instead.
    """
    step = _PERIOD.get(rule._freq)  # noqa: SLF001
    if near is None or step is None or rule._count is not None or near <= dtstart:  # noqa: SLF001
        return rule
    step *= rule._interval  # noqa: SLF001
    skipped = (near - dtstart) // step
    return rule.replace(dtstart=dtstart + skipped * step) if skipped > 0 else rule


@functools.lru_cache(maxsize=1024)
def _ruleset(lines: tuple[str, ...], tz_name: str, all_day: bool, dtstart: datetime,
             near: datetime | None = None) -> du.rruleset:
    return _build(lines, tz_name, all_day, dtstart, near)


# Occurrences are read in chunks of local time, each expanded once per process and rule
# (a pure function of the rule): a window then costs a look-up per series, not a walk of
# dateutil's iterator, whose set-up alone costs more than the rest of a page.
_CHUNK = timedelta(days=28)
_CHUNK_ORIGIN = datetime(1970, 1, 1)


@functools.lru_cache(maxsize=50_000)
def _chunk(lines: tuple[str, ...], tz_name: str, all_day: bool, dtstart: datetime, index: int) -> tuple:
    lo = _CHUNK_ORIGIN + index * _CHUNK
    hi = lo + _CHUNK
    rs = _build(lines, tz_name, all_day, dtstart, lo - _SLACK)
    return tuple(x for x in rs.between(lo, hi, inc=True) if x < hi)


@functools.lru_cache(maxsize=8192)
def _last_local(lines: tuple[str, ...], tz_name: str, all_day: bool, dtstart: datetime) -> datetime | None:
    """The last occurrence (naive local), or None when a rule never ends."""
    rule = parse(list(lines), tz_name=tz_name, all_day=all_day)
    if any("COUNT=" not in r.upper() and "UNTIL=" not in r.upper() for r in rule.rrules):
        return None
    last = dtstart
    for n, last in enumerate(_build(lines, tz_name, all_day, dtstart, None)):  # noqa: B007
        if n > MAX_WALK:
            return None
    return max(last, *rule.rdates) if rule.rdates else last


def _locals_from(event, since: datetime) -> Iterator[datetime]:
    """Occurrence starts (naive local) from ``since`` on, chunk by chunk."""
    key = (tuple(event.recurrence or ()), event.timezone or "UTC", bool(event.all_day), _local_start(event))
    last = _last_local(*key)
    if last is not None and since > last:
        return
    index = (since - _CHUNK_ORIGIN) // _CHUNK
    while True:
        if last is not None and _CHUNK_ORIGIN + index * _CHUNK > last:
            return
        for local in _chunk(*key, index):
            if local >= since:
                yield local
        index += 1


def _build(lines: tuple[str, ...], tz_name: str, all_day: bool, dtstart: datetime,
           near: datetime | None = None) -> du.rruleset:
    rule = parse(list(lines), tz_name=tz_name, all_day=all_day)
    rs = du.rruleset(cache=False)
    for text in rule.rrules:
        rs.rrule(_later_start(du.rrulestr(text, dtstart=dtstart), dtstart, near))
    for value in rule.rdates:
        rs.rdate(value)
    for value in rule.exdates:
        rs.exdate(value)
    rs.rdate(dtstart)  # the first occurrence is the event itself (RFC 5545: DTSTART counts)
    return rs


def _local_start(event) -> datetime:
    tz = zone(event.timezone or "UTC")
    if event.all_day and event.start_date:
        return datetime.combine(event.start_date, time())
    return event.start_time.astimezone(tz).replace(tzinfo=None)


def ruleset(event, near: datetime | None = None) -> du.rruleset:
    """The event's rules; with ``near`` (naive local), fit for reading occurrences from there on only."""
    if near is not None:
        near = near.replace(hour=0, minute=0, second=0, microsecond=0)  # one cached set per day
    return _ruleset(tuple(event.recurrence or ()), event.timezone or "UTC", bool(event.all_day), _local_start(event),
                    near)


def _span(event) -> timedelta:
    if event.all_day and event.start_date and event.end_date:
        return event.end_date - event.start_date
    return event.end_time - event.start_time


def _placed(event, local: datetime, span: timedelta) -> tuple[datetime, datetime]:
    """(start, end) in UTC of an occurrence starting at naive ``local``."""
    tz = zone(event.timezone or "UTC")
    if event.all_day:
        start = local.replace(tzinfo=tz).astimezone(UTC)
        end = (local + span).replace(tzinfo=tz).astimezone(UTC)
        return start, end
    start = local.replace(tzinfo=tz).astimezone(UTC)
    return start, start + span


def to_local(event, moment: datetime) -> datetime:
    return moment.astimezone(zone(event.timezone or "UTC")).replace(tzinfo=None)


def is_occurrence(event, original_start: datetime) -> bool:
    """Whether the rule (with its EXDATEs) has an occurrence starting at ``original_start``."""
    local = to_local(event, original_start)
    if event.all_day:
        local = datetime.combine(local.date(), time())
    found = ruleset(event, near=local - _SLACK).after(local, inc=True)
    return found == local


def series_end(event) -> datetime | None:
    """End of the last occurrence in UTC, or None when the rule never ends."""
    rs = ruleset(event)
    for text in parse(event.recurrence, tz_name=event.timezone or "UTC", all_day=event.all_day).rrules:
        upper = text.upper()
        if "COUNT=" not in upper and "UNTIL=" not in upper:
            return None
    last = None
    for n, last in enumerate(rs):  # noqa: B007 - bounded: every rule has COUNT or UNTIL
        if n > MAX_WALK:
            return None  # too many to look for the last: windows treat it as never-ending
    if last is None:
        return _placed(event, _local_start(event), _span(event))[1]
    return _placed(event, last, _span(event))[1]


@dataclass(frozen=True)
class Occurrence:
    """One occurrence of a series: aware UTC ``start``/``end``; ``original_start`` names it."""

    event: object
    start: datetime
    end: datetime
    original_start: datetime
    exception: object | None = field(default=None, compare=False)

    @functools.cached_property
    def instance_id(self) -> str:  # read several times per rendered row (id, conflicts, sub-tasks)
        return instance_id(self.event, self.original_start)

    def value(self, name: str):
        """A field of the occurrence: the exception's override, else the series' value."""
        if name == "status" and self.exception is not None and self.exception.cancelled:
            return "cancelled"
        if self.exception is not None and name in (self.exception.overrides or {}):
            return self.exception.overrides[name]
        return getattr(self.event, name)

    @property
    def status(self) -> str:
        return self.value("status")

    @property
    def all_day(self) -> bool:
        return self.event.all_day

    def local_dates(self) -> tuple[date, date]:
        tz = zone(self.event.timezone or "UTC")
        return self.start.astimezone(tz).date(), self.end.astimezone(tz).date()


def instance_id(event, original_start: datetime) -> str:
    if event.all_day:
        return f"{event.pk}_{to_local(event, original_start):%Y%m%d}"
    return f"{event.pk}_{original_start.astimezone(UTC):%Y%m%dT%H%M%SZ}"


_INSTANCE = re.compile(r"^(\d{1,19})_(\d{8})(?:T(\d{6})Z)?$")


def split_instance_id(text: str) -> tuple[int, str] | None:
    """(series id, stamp) of an instance id, or None when ``text`` is not one."""
    found = _INSTANCE.match(str(text))
    if not found:
        return None
    return int(found.group(1)), found.group(0).split("_", 1)[1]


def original_start_of(event, stamp: str) -> datetime | None:
    """The UTC original start an instance id's stamp names for ``event`` (None: malformed)."""
    try:
        if "T" in stamp:
            if event.all_day:
                return None
            return datetime.strptime(stamp, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
        if not event.all_day:
            return None
        day = datetime.strptime(stamp, "%Y%m%d")
    except ValueError:
        return None
    return day.replace(tzinfo=zone(event.timezone or "UTC")).astimezone(UTC)


def _exceptions_of(event, exceptions: Iterable | None) -> dict[datetime, object]:
    if exceptions is None:
        exceptions = exceptions_of(event)
    return {e.original_start: e for e in exceptions}


def _overlaps(start: datetime, end: datetime, lo: datetime | None, hi: datetime | None) -> bool:
    if hi is not None and start >= hi:
        return False
    if lo is not None and not (end > lo or (end == start and start >= lo)):
        return False
    return True


def iter_occurrences(event, start: datetime | None, end: datetime | None, *,
                     exceptions: Iterable | None = None) -> Iterator[Occurrence]:
    """Occurrences overlapping [start, end) in start order, lazily (either bound may be None).

    Cancelled occurrences and EXDATEs are left out; moved ones appear at their new time.
    Memory stays bounded whatever the rule: nothing is expanded ahead of what is read.
    """
    if not event.recurrence:
        if _overlaps(event.start_time, event.end_time, start, end):
            yield Occurrence(event, event.start_time, event.end_time, event.start_time)
        return
    known = _exceptions_of(event, exceptions)
    span = _span(event)
    moved = sorted(
        (Occurrence(event, e.start_time, e.end_time or e.start_time + span, e.original_start, e)
         for e in known.values()
         if not e.cancelled and e.start_time is not None
         and _overlaps(e.start_time, e.end_time or e.start_time + span, start, end)),
        key=lambda o: (o.start, o.original_start))
    if not moved:
        yield from _from_rule(event, start, end, known, span)
        return
    yield from heapq.merge(_from_rule(event, start, end, known, span), moved,
                           key=lambda o: (o.start, o.original_start))


def _from_rule(event, start, end, known, span) -> Iterator[Occurrence]:
    if start is None:
        source = iter(ruleset(event))
    else:
        source = _locals_from(event, to_local(event, start - span) - _SLACK)
    stop = None if end is None else to_local(event, end) + _SLACK
    for local in source:
        if stop is not None and local > stop:
            return
        s, e = _placed(event, local, span)
        if end is not None and s >= end:
            return
        exception = known.get(s)
        if exception is not None:
            if exception.cancelled or exception.start_time is not None:
                continue  # cancelled, or shown at its new time (see iter_occurrences)
            if not _overlaps(s, e, start, end):
                continue
            yield Occurrence(event, s, e, s, exception)
            continue
        if _overlaps(s, e, start, end):
            yield Occurrence(event, s, e, s)


def stored_occurrences(event, until: datetime | None, *, exceptions: Iterable | None = None) -> Iterator[Occurrence]:
    """What :mod:`apps.events.occurrences` stores of a series: the occurrences whose original
    start is before ``until`` (None: all of them; the rule must then end), exceptions applied,
    then every moved occurrence wherever it was moved to. Lazy: rows are written as they come.
    """
    known = _exceptions_of(event, exceptions)
    span = _span(event)
    yield from _from_rule(event, None, until, known, span)
    for e in known.values():
        if not e.cancelled and e.start_time is not None:
            yield Occurrence(event, e.start_time, e.end_time or e.start_time + span, e.original_start, e)


def unstored_occurrences(event, stored_until: datetime, start: datetime | None, end: datetime | None, *,
                         exceptions: Iterable | None = None) -> Iterator[Occurrence]:
    """The occurrences overlapping [start, end) that :func:`stored_occurrences` left out for
    ``stored_until``: those of the rule from there on, not moved (moved ones are all stored).

    An occurrence that is not moved starts at its original start, so none of them starts before
    ``stored_until``, and reading the rule from ``max(start, stored_until)`` finds them all.
    """
    known = _exceptions_of(event, exceptions)
    lo = stored_until if start is None or start < stored_until else start
    for occ in _from_rule(event, lo, end, known, _span(event)):
        if occ.original_start >= stored_until:
            yield occ


def occurrences(event, start: datetime | None, end: datetime | None, *,
                exceptions: Iterable | None = None) -> list[Occurrence]:
    """Every occurrence of ``event`` overlapping [start, end), sorted by start.

    ``.start``/``.end`` are aware UTC datetimes, ``.original_start`` the unmodified start (the
    occurrence's id), ``.event`` the series. EXDATEs and cancelled occurrences are left out,
    moved ones are at their new time. A non-recurring event is its own single occurrence; a
    cancelled one has none.
    """
    if not event.recurrence and getattr(event, "status", None) == "cancelled":
        return []
    return list(iter_occurrences(event, start, end, exceptions=exceptions))


def series_in_window(start: datetime | None, end: datetime | None, *, calendar_ids: Iterable[str] | None = None,
                     filters: Q | None = None):
    """Series that can have an occurrence in [start, end), with their exceptions prefetched.

    A series is read when its span (first start to last end) meets the window, or when one of
    its occurrences was moved into the window.
    """

    from django.db import connection

    from apps.events.models import Event
    from apps.events.selectors import _cache_version

    # Kept per events-table version (exceptions included, see apps.events.unmanaged): a
    # calendar polled for the same window reads its series once per change, not per request.
    version = _cache_version()
    key = (connection.settings_dict["NAME"], version, start, end,
           tuple(sorted(calendar_ids)) if calendar_ids is not None else None, repr(filters))
    if version is not None:
        found = _SERIES.get(key)
        if found is not None:
            return found
    qs = Event.objects.filter(is_recurring=True)
    if calendar_ids is not None:
        qs = qs.filter(calendar_id__in=list(calendar_ids))
    if filters is not None:
        qs = qs.filter(filters)
    if start is not None or end is not None:
        ids = _series_ids(start, end)
        if not ids:
            return _remember(key, version, [])
        qs = qs.filter(pk__in=ids)
    return _remember(key, version, with_exceptions(list(qs.select_related("calendar").order_by("start_time", "id"))))


_SERIES: dict[tuple, list] = {}
_SERIES_LIMIT = 64


def _remember(key: tuple, version: int | None, series: list) -> list:
    from apps.events.selectors import _cache_version

    # Kept only when nothing was written meanwhile (the rows could be newer than the key).
    if version is not None and _cache_version() == version:
        if len(_SERIES) >= _SERIES_LIMIT or any(k[1] != version for k in list(_SERIES)[:1]):
            _SERIES.clear()
        _SERIES[key] = series
    return series


def _series_ids(start: datetime | None, end: datetime | None) -> set[int]:
    """Ids of the series that can touch [start, end): two index reads in one statement.

    It runs on every window read, most often finding nothing: its statement is compiled once
    per window (:mod:`apps.core.statements`).
    """
    from apps.core import statements

    return {row[0] for row in statements.rows(series_ids_read, start, end)}


def series_ids_read(start: datetime | None, end: datetime | None):
    """The series whose span meets the window (``event_series_span_idx``) and those with an
    occurrence moved into it (``eventexception_moved_idx``); the filters hold those indexes'
    conditions. No ORDER BY: sorted by start, SQLite would walk every event in start order."""
    from django.db.models import Q

    from apps.events.models import Event, EventException

    span, moved = Q(is_recurring=True), Q(cancelled=False, start_time__isnull=False)
    if end is not None:
        span &= Q(start_time__lt=end)
        moved &= Q(start_time__lt=end)
    if start is not None:
        span &= Q(series_end__isnull=True) | Q(series_end__gte=start)
        moved &= Q(end_time__gt=start) | Q(start_time__gte=start)
    return (Event.objects.filter(span).order_by().values_list("id")
            .union(EventException.objects.filter(moved).order_by().values_list("series_id")))


def with_exceptions(series: list) -> list:
    """``series`` with their exceptions read in one query, as ``exception_list`` on each.

    A plain list rather than a prefetch: ``event.exceptions.all()`` clones a queryset per call,
    which costs more than expanding the series.
    """
    from apps.events.models import EventException

    if not series:
        return series
    grouped: dict[int, list] = {}
    for exception in EventException.objects.filter(series_id__in=[s.pk for s in series]):
        grouped.setdefault(exception.series_id, []).append(exception)
    for item in series:
        item.exception_list = grouped.get(item.pk, [])
    return series


def exceptions_of(event) -> list:
    """The event's exceptions: the list :func:`with_exceptions` attached, else read now."""
    found = getattr(event, "exception_list", None)
    if found is None:
        found = list(event.exceptions.all()) if event.pk is not None else []
    return found


def window_occurrences(start: datetime | None, end: datetime | None, *,
                       calendar_ids: Iterable[str] | None = None) -> list[Occurrence]:
    """Occurrences of every series (on ``calendar_ids``, None: all) in a window, sorted by start,
    read from the stored occurrences (:func:`apps.events.occurrences.read_window`)."""
    from apps.events.occurrences import read_window

    return read_window(start, end, calendar_ids=calendar_ids)


# --- plain language ---------------------------------------------------------------------------

_DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
_UNITS = {du.YEARLY: "year", du.MONTHLY: "month", du.WEEKLY: "week", du.DAILY: "day", du.HOURLY: "hour"}


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _ordinal(n: int) -> str:
    if n == -1:
        return "last"
    suffix = "th" if 10 <= abs(n) % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(abs(n) % 10, "th")
    return f"{n}{suffix}" if n > 0 else f"{-n}{suffix} last"


def describe(lines, *, tz_name: str = "UTC", all_day: bool = False, start: datetime | None = None) -> str:
    """A plain-language summary: ``every Monday and Wednesday until 30 June 2027``."""
    try:
        rule = parse(lines, tz_name=tz_name, all_day=all_day)
    except RecurrenceError as exc:
        return f"invalid: {exc}"
    parts = []
    for text in rule.rrules:
        r = du.rrulestr(text, dtstart=start or datetime(2000, 1, 1))
        unit = _UNITS.get(r._freq, "time")  # noqa: SLF001
        interval = r._interval  # noqa: SLF001
        head = f"every {unit}" if interval == 1 else f"every {interval} {unit}s"
        upper = text.upper()
        days = sorted({d for d in (r._byweekday or ())}) if "BYDAY=" in upper else []  # noqa: SLF001
        nth = [(wd.weekday, wd.n) for wd in (r._bynweekday or ())] if "BYDAY=" in upper else []  # noqa: SLF001
        if r._freq == du.WEEKLY and days:  # noqa: SLF001
            names = [_DAYS[d] for d in days]
            if names == _DAYS[:5]:
                head = "every weekday" if interval == 1 else f"every {interval} weeks on weekdays"
            else:
                head = ("every " if interval == 1 else f"every {interval} weeks on ") + _and(names)
        elif r._freq == du.DAILY and days and [_DAYS[d] for d in days] == _DAYS[:5]:  # noqa: SLF001
            head = "every weekday"
        elif r._freq == du.MONTHLY and nth:  # noqa: SLF001
            head += " on the " + _and([f"{_ordinal(n)} {_DAYS[d]}" for d, n in nth])
        elif r._freq == du.MONTHLY and "BYMONTHDAY=" in upper:  # noqa: SLF001
            head += " on day " + _and([str(d) for d in sorted(r._bymonthday)])  # noqa: SLF001
        if r._count:  # noqa: SLF001
            head += f", {r._count} times"  # noqa: SLF001
        elif r._until:  # noqa: SLF001
            until = r._until  # noqa: SLF001
            head += f" until {until.day} {until:%B %Y}"
        parts.append(head)
    text = "; ".join(parts) or "on the given dates"
    if rule.rdates:
        text += f", plus {len(rule.rdates)} extra date{'s' if len(rule.rdates) != 1 else ''}"
    if rule.exdates:
        text += f", except {len(rule.exdates)} date{'s' if len(rule.exdates) != 1 else ''}"
    return text


def occurrence_spans(start: datetime, end: datetime, *, calendar_ids: Iterable[str] | None = None,
                     attendees: Iterable[str] = (), seen: set | None = None) -> list[Occurrence]:
    """Blocking occurrences (timed, not cancelled, not shown as free, not empty) overlapping [start, end).

    Occurrences on ``calendar_ids`` (None: every calendar) or naming one of ``attendees``; what
    conflicts, free/busy, slot suggestions and analytics' busy time see of recurring series,
    read from the stored occurrences (:func:`apps.events.occurrences.read_window`).
    ``seen`` receives the id of every series whose own stored row (its first occurrence) meets
    the window: that row stands for the series, and its occurrences are returned instead.
    """
    from apps.events.models import Event
    from apps.events.occurrences import read_window
    from apps.events.scheduling.planning import attendee_set

    people = sorted({a.strip().lower() for a in attendees if a})
    if seen is not None:
        from apps.events.selectors import max_duration

        seen.update(Event.objects.filter(is_recurring=True, start_time__lt=end, end_time__gte=start,
                                         start_time__gte=start - max_duration()).order_by()
                    .values_list("pk", flat=True))
    if calendar_ids is not None and not people:
        calendar_ids = list(calendar_ids)
        if not calendar_ids:
            return []
        return read_window(start, end, calendar_ids=calendar_ids, blocking=True)
    if calendar_ids is None:
        return read_window(start, end, blocking=True)
    wanted = set(calendar_ids)
    wanted_people = set(people)
    # The occurrences on those calendars, and those of series naming one of the people elsewhere.
    found = read_window(start, end, calendar_ids=wanted, blocking=True) if wanted else []
    found += [o for o in read_window(start, end, blocking=True, attendees=people)
              if o.event.calendar_id not in wanted and attendee_set(o.value("attendees")) & wanted_people]
    found.sort(key=lambda o: (o.start, o.event.pk, o.original_start))
    return found


def occurrence_at(event, original_start: datetime, exception=None) -> Occurrence:
    """The occurrence named by ``original_start``, with its exception applied (moved or not)."""
    local = to_local(event, original_start)
    if event.all_day:
        local = datetime.combine(local.date(), time())
    start, end = _placed(event, local, _span(event))
    if exception is not None and exception.start_time is not None:
        start = exception.start_time
        end = exception.end_time or start + _span(event)
    return Occurrence(event, start, end, original_start, exception)


def drop_stale_exceptions(event) -> int:
    """After a series edit: exceptions whose occurrence the rule no longer has are deleted.

    The rule of "all events" edits (as Google's): an exception stays attached to its
    occurrence while that occurrence still exists, whatever else changed.
    """
    if not event.recurrence:
        return event.exceptions.all().delete()[0]
    stale = [e.pk for e in event.exceptions.all() if not is_occurrence(event, e.original_start)]
    if stale:
        event.exceptions.filter(pk__in=stale).delete()
    return len(stale)
