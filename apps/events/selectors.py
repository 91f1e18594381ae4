"""Reads of events: the window of the contract, filters, search, a cheap total count and the
rows of a list page (the columns read, the row types) - the one place the list is read."""

from __future__ import annotations

import hashlib
import heapq
import itertools
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import NamedTuple

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import Q, QuerySet
from django.utils import timezone
from rest_framework import exceptions

from apps.events import unmanaged
from apps.events.models import Event
from apps.events.search import fts_terms, search_clause, tag_clause
from apps.events.timeparse import TimeError, local_midnight, parse_date, parse_instant, zone

RANGES = (7, 14, 30, 60, 360, -1)
DIRECTIONS = ("future", "past", "all")
DEFAULT_RANGE = 30


@dataclass(frozen=True)
class Window:
    """[start, end) in UTC; ``None`` on a side means unbounded."""

    start: datetime | None
    end: datetime | None


def _bad(field: str, message: str) -> exceptions.ValidationError:
    return exceptions.ValidationError({field: [message]})


def window_from_params(params, *, today=None) -> Window:
    """The contract's window: ``start``/``end`` if given, else anchor/range/direction in ``tz``."""
    try:
        tz = zone(params.get("tz") or "UTC")
    except TimeError as exc:
        raise _bad("tz", str(exc)) from None
    if params.get("start") or params.get("end"):
        bounds = []
        for name in ("start", "end"):
            raw = params.get(name)
            if not raw:
                bounds.append(None)
                continue
            try:
                value = parse_instant(raw)
            except TimeError as exc:
                raise _bad(name, str(exc)) from None
            bounds.append(local_midnight(value, tz) if not isinstance(value, datetime) else value)
        if bounds[0] and bounds[1] and bounds[1] < bounds[0]:
            raise _bad("end", "end must not be before start.")
        return Window(bounds[0], bounds[1])

    raw_anchor = params.get("anchor")
    try:
        anchor = parse_date(raw_anchor) if raw_anchor else (today or timezone.now().astimezone(tz).date())
    except TimeError as exc:
        raise _bad("anchor", str(exc)) from None
    raw_range = params.get("range")
    try:
        days = int(raw_range) if raw_range not in (None, "") else DEFAULT_RANGE
    except ValueError:
        days = None
    if days not in RANGES:
        raise _bad("range", f"must be one of {', '.join(map(str, RANGES))}.")
    direction = params.get("direction") or "future"
    if direction not in DIRECTIONS:
        raise _bad("direction", f"must be one of {', '.join(DIRECTIONS)}.")

    def at(offset: int) -> datetime:
        return local_midnight(anchor + timedelta(days=offset), tz)

    unbounded = days == -1
    if direction == "future":
        return Window(at(0), None if unbounded else at(days))
    if direction == "past":
        return Window(None if unbounded else at(-days), at(1))
    return Window(None if unbounded else at(-days), None if unbounded else at(days))


# {database name: (data version, longest duration)}; one entry per database, replaced as it changes.
_LONGEST: dict[tuple[str, bool], tuple[int, timedelta]] = {}


def _cache_version() -> int | None:
    """The data version to key caches on, or None when caching must be skipped.

    Inside a transaction a read sees its own uncommitted writes, and a rollback hands the same
    version number to a different state later: only reads in autocommit may fill or use a cache.
    """
    if connection.in_atomic_block:
        return None
    return unmanaged.data_version()


_UNREAD = object()


def longest_sql(*, timed_only: bool = False) -> str:
    """A scalar ``SELECT`` of the bound :func:`max_duration` computes, in whole seconds.

    ``duration_seconds`` drops fractions of a second, hence the + 1. One index lookup: the
    duration index, or for timed events the partial one whose condition is this WHERE clause.
    """
    return ("SELECT COALESCE(MAX(duration_seconds), 0) + 1 FROM events_event"
            + (" WHERE NOT all_day" if timed_only else ""))


def max_duration(*, timed_only: bool = False, version=_UNREAD) -> timedelta:
    """A bound on the longest stored event: ``MAX(duration_seconds)`` + 1 s (the column drops
    fractions of a second), cached per events-table version.

    ``timed_only`` leaves all-day events out: they never conflict, and one three-day event would
    otherwise widen every conflict scan to three days of rows. The version is read first, so a
    cached value is never older than its key; a longer bound than needed only widens a scan.
    """
    if version is _UNREAD:
        version = _cache_version()
    name = (connection.settings_dict["NAME"], timed_only)
    if version is not None:
        hit = _LONGEST.get(name)
        if hit is not None and hit[0] == version:
            return hit[1]
    with connection.cursor() as cursor:
        cursor.execute(longest_sql(timed_only=timed_only))
        value = timedelta(seconds=max(int(cursor.fetchone()[0]), 1))
    if version is not None:
        _LONGEST[name] = (version, value)
    return value


def in_window(queryset: QuerySet, window: Window) -> QuerySet:
    """``queryset`` (of Event) narrowed to the window, with the list's own clause (see :func:`_window_clause`)."""
    clauses, params, _ = _window_clause(window, max_duration())
    return queryset.extra(where=clauses, params=params) if clauses else queryset


@dataclass(frozen=True)
class Stream:
    """One ordered stream of the list: a WHERE clause (with params) over the events table.

    ``search`` is the full-text condition as a clause (for counting); ``fts`` the same search as
    an FTS5 query with its time-key range, which SQLite reads in index order (see
    :func:`_event_rows`).
    """

    where: str
    params: list
    search: tuple[str, list] | None = None
    fts: tuple[str, int | None, int | None] | None = None

    def clause(self) -> tuple[str, list]:
        if self.search is None:
            return self.where, self.params
        return f"{self.where} AND {self.search[0]}", [*self.params, *self.search[1]]

    def until(self, db_start) -> Stream:
        """Only rows starting at or before ``db_start``."""
        return Stream(f"{self.where} AND start_time <= %s", [*self.params, db_start], self.search, self.fts)


class ListRow(NamedTuple):
    """One row of a stream of the list, merged with the other streams' by ``(start, id)``.

    ``start`` is the start as the database hands it back (text on SQLite); ``id`` the event's
    id, or for an occurrence its instance id text; ``data`` the event's raw columns
    (:data:`COLUMNS` order), or the occurrence (a :class:`StoredRef` until the page is resolved).
    """

    start: object
    id: int | str
    data: object


class EventQuery:
    """The list's matches as ordered streams, merged by (start_time, id).

    Each stream's SQL is written out here rather than compiled by the ORM: for a page of 100
    rows, compiling the queries cost more than running them. A window with a lower bound is
    read as two streams, timed and all-day events, each bounded by its own longest duration on
    its own partial index (the clauses ``NOT all_day`` / ``all_day`` are those of the indexes):
    one multi-day all-day event would otherwise make every window read days of timed rows
    before its first match.
    """

    def __init__(self, streams: list[Stream], version: int | None = None) -> None:
        self.streams = streams
        self.version = version  # the events-table version read before the query (see _cached_count)

    def page(self, offset: int, limit: int) -> list[EventRow | OccurrenceRow]:
        """``limit`` rows from ``offset`` in list order, ready to render."""
        return [OccurrenceRow(row.data) if isinstance(row.id, str) else EventRow.from_db(row.data)
                for row in self.rows(offset, limit)]

    def rows(self, offset: int, limit: int) -> list[ListRow]:
        """``limit`` merged :class:`ListRow` from ``offset`` in list order."""
        if not self.streams:
            return []

        def read(stream, wanted: int, skip: int) -> list[ListRow]:
            if isinstance(stream, Stream):
                return _event_rows(stream, wanted, skip)
            return stream.rows(wanted, skip)

        if len(self.streams) == 1:
            return _resolve(read(self.streams[0], limit, offset), self.version)
        first = read(self.streams[0], offset + limit, 0)
        streams = [first]
        for stream in self.streams[1:]:
            if len(first) == offset + limit:
                # Rows starting after the first stream's last row cannot make this page.
                stream = stream.until(first[-1].start)
            streams.append(read(stream, offset + limit, 0))
        # Occurrence ids are text ("<series>_<start>"), stored events' integers: order them apart.
        merged = heapq.merge(*streams, key=lambda row: (row.start, isinstance(row.id, str), row.id))
        return _resolve(list(itertools.islice(merged, offset, offset + limit)), self.version)

    def count(self) -> int:
        return sum(count_where(*stream.clause(), version=self.version) if isinstance(stream, Stream)
                   else stream.count(self.version) for stream in self.streams)


class OccurrenceStream:
    """The occurrences of recurring series in the window, as one more ordered stream of the list.

    Series are read once (few rows: :func:`apps.events.recurrence.series_in_window`), then each
    is expanded lazily and merged: a page reads only the occurrences up to its last row, so an
    unbounded rule over an unbounded window pages instead of expanding without end. Rows are
    ``(instance id, …, start as the database would hand it back, occurrence)``.
    """

    def __init__(self, window: Window, *, where: str, params: list, statuses: list[str]) -> None:
        self.window, self.where, self.params, self.statuses = window, where, params, statuses
        self._series: list | None = None

    def until(self, db_start) -> OccurrenceStream:
        return self

    def series(self) -> list:
        if self._series is None:
            from apps.events.recurrence import series_in_window

            self._series = list(series_in_window(self.window.start, self.window.end, extra_where=self.where,
                                                 extra_params=self.params))
        return self._series

    def _iterate(self, end: datetime | None):
        from apps.events.recurrence import iter_occurrences

        wanted = set(self.statuses)
        streams = []
        for series in self.series():
            found = iter_occurrences(series, self.window.start, end, exceptions=series.exception_list)
            if wanted:
                found = (o for o in found if o.status in wanted)
            streams.append(found)
        return heapq.merge(*streams, key=lambda o: (o.start, o.event.pk, o.original_start))

    def rows(self, limit: int, offset: int) -> list:
        return [ListRow(_db_value(o.start), o.instance_id, o)
                for o in itertools.islice(self._iterate(self.window.end), offset, offset + limit)]

    def count(self, version: int | None) -> int:
        end = self.window.end
        if end is None:
            from chronos.config import current

            # The horizon moves once a day, so the count stays cacheable per table version.
            today = timezone.now().replace(hour=0, minute=0, second=0, microsecond=0)
            end = today + timedelta(days=current().events.recurrence_horizon_days)
        key = f"occurrences|{self.window.start}|{end}|{self.statuses}|{self.where}"

        def compute() -> int:
            return sum(1 for _ in self._iterate(end))

        return _cached_count(key, self.params, compute, version=version)


class UnstoredStream(OccurrenceStream):
    """The occurrences of the window that are not stored: those of series stored only up to a
    horizon (``Event.occurrences_until``) that the window reaches beyond, expanded lazily from
    there (:func:`apps.events.recurrence.unstored_occurrences`). Usually no series at all.
    """

    def __init__(self, window: Window, *, where: str, params: list, statuses: list[str],
                 upper: datetime | None = None) -> None:
        super().__init__(window, where=where, params=params, statuses=statuses)
        self.upper = upper  # only occurrences starting at or before this (see EventQuery.rows)

    def until(self, db_start) -> UnstoredStream:
        found = UnstoredStream(self.window, where=self.where, params=self.params, statuses=self.statuses,
                               upper=_from_db(db_start))
        found._series = self.series()  # read once for the rows and the count
        return found

    def series(self, end: datetime | None = None) -> list:
        if self._series is None:
            self._series = _kept(("unstored", self.window, self.where, tuple(self.params)), self._read_series)
        if end is None:
            return self._series
        return [s for s in self._series if s.occurrences_until < end]

    def _read_series(self) -> list:
        from apps.events.recurrence import with_exceptions

        qs = Event.objects.filter(is_recurring=True, occurrences_until__isnull=False)
        if self.window.end is not None:
            qs = qs.filter(occurrences_until__lt=self.window.end)
        if self.window.start is not None:
            qs = qs.filter(Q(series_end__isnull=True) | Q(series_end__gte=self.window.start))
        if self.where:
            qs = qs.extra(where=[self.where], params=self.params)
        # No ORDER BY: sorted, SQLite would walk every event in start order instead of
        # reading the few rows of event_series_stored_idx.
        return with_exceptions(sorted(qs.order_by(), key=lambda e: (e.start_time, e.pk)))

    def _iterate(self, end: datetime | None):
        from apps.events.recurrence import unstored_occurrences

        wanted = set(self.statuses)
        streams = []
        for series in self.series(end):
            found = unstored_occurrences(series, series.occurrences_until, self.window.start, end,
                                         exceptions=series.exception_list)
            if wanted:
                found = (o for o in found if o.status in wanted)
            streams.append(found)
        merged = heapq.merge(*streams, key=lambda o: (o.start, o.event.pk, o.original_start))
        if self.upper is not None:
            merged = itertools.takewhile(lambda o: o.start <= self.upper, merged)
        return merged

    def count(self, version: int | None) -> int:
        end = self.window.end
        if end is None:
            from chronos.config import current

            today = timezone.now().replace(hour=0, minute=0, second=0, microsecond=0)
            end = today + timedelta(days=current().events.recurrence_horizon_days)
        if not self.series(end):
            return 0  # stored far enough: the usual case, no expansion and no cache entry
        key = f"unstored|{self.window.start}|{end}|{self.statuses}|{self.where}"
        return _cached_count(key, self.params, lambda: sum(1 for _ in self._iterate(end)), version=version)


@dataclass(frozen=True)
class StoredRef:
    """A stored occurrence on a list row until the page is rendered (see :func:`_resolve`)."""

    series_id: int
    original_start: object
    start: object
    end: object


class StoredStream:
    """The stored occurrences of the window (``events_eventoccurrence``), as one more ordered
    stream: a range of ``occurrence_start_idx`` bounded below by the longest stored occurrence,
    as the events' streams are. Rows carry a :class:`StoredRef`; the page's series and their
    exceptions are read once the page is cut (:func:`_resolve`).
    """

    TABLE = "events_eventoccurrence"

    def __init__(self, where: str, params: list, counted: list[tuple[str, list]] | None = None) -> None:
        self.where, self.params = where, params
        # The same rows as WHERE clauses whose sum is the count (see for_window).
        self.counted = counted if counted is not None else [(where, params)]

    @classmethod
    def for_window(cls, window: Window, *, calendars: list[str], statuses: list[str], version) -> StoredStream:
        where: list[str] = []
        params: list = []
        if calendars:
            where.append(f"calendar_id IN ({', '.join(['%s'] * len(calendars))})")
            params += calendars
        if statuses:
            where.append(f"status IN ({', '.join(['%s'] * len(statuses))})")
            params += statuses
        longest = longest_occurrence(version=version)
        clauses, clause_args, _ = _window_clause(window, longest)
        counted = None
        if window.start is not None:
            # Counted as two ranges of the start index: those starting in the window (the index
            # alone answers), and those starting before it that reach into it (a short range
            # whose end times are read). One range with the overlap clause would read the
            # end time of every row of the window: seconds for a year of 5,000 series.
            a, lowest = _db_value(window.start), _db_value(window.start - longest)
            upper = (["start_time < %s"], [_db_value(window.end)]) if window.end is not None else ([], [])
            inside = [*where, "start_time >= %s", *upper[0]], [*params, a, *upper[1]]
            before = ([*where, "start_time >= %s", "start_time < %s", "end_time > %s", *upper[0]],
                      [*params, lowest, a, a, *upper[1]])
            counted = [(" AND ".join(inside[0]), inside[1]), (" AND ".join(before[0]), before[1])]
        return cls(" AND ".join([*where, *clauses]) or "1 = 1", [*params, *clause_args], counted)

    def until(self, db_start) -> StoredStream:
        return StoredStream(f"{self.where} AND start_time <= %s", [*self.params, db_start])

    def rows(self, limit: int, offset: int) -> list:
        if connection.vendor == "sqlite":
            # As the events' streams: times as text (the start is merged in that form; the
            # driver would parse every row's datetimes, and only the page's are needed).
            cols = "series_id, CAST(original_start AS text), CAST(start_time AS text), CAST(end_time AS text)"
        else:
            cols = "series_id, original_start, start_time, end_time"
        sql = (f"SELECT {cols} FROM {self.TABLE} WHERE {self.where} "
               "ORDER BY start_time, series_id, original_start LIMIT %s OFFSET %s")
        with connection.cursor() as cursor:
            cursor.execute(sql, [*self.params, limit, offset])
            found = cursor.fetchall()
        # The id only orders rows of one start among the streams; _resolve replaces it.
        return [ListRow(start, f"{series}_", StoredRef(series, original, start, end))
                for series, original, start, end in found]

    def count(self, version: int | None) -> int:
        total = 0
        for where, params in self.counted:
            sql = f"SELECT COUNT(*) FROM {self.TABLE} WHERE {where}"

            def compute(sql=sql, params=params) -> int:
                with connection.cursor() as cursor:
                    cursor.execute(sql, params)
                    return cursor.fetchone()[0]

            total += _cached_count(sql, params, compute, version=version)
        return total


def _from_db(value) -> datetime:
    """A datetime as a raw cursor hands it back (text or naive on SQLite) as aware UTC."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


# ((database, events-table version), {key: value}): what list reads keep for the current
# version only (series of pages, series short of a window); a change starts a new map.
_KEPT: tuple[tuple, dict] = ((None, None), {})
_KEPT_LIMIT = 10_000


def _kept_map(version) -> dict | None:
    """The map of values kept for ``version`` (a new one when the version moved), or None."""
    global _KEPT
    if version is None:
        return None
    slot = (connection.settings_dict["NAME"], version)
    if _KEPT[0] != slot or len(_KEPT[1]) >= _KEPT_LIMIT:
        _KEPT = (slot, {})
    return _KEPT[1]


def _kept(key, compute, *, version=_UNREAD):
    """``compute()``, kept per events-table version (where the database keeps one) as the
    conflict lists are: only a value computed while the version did not move is kept."""
    if version is _UNREAD:
        version = _cache_version()
    known = _kept_map(version)
    if known is None:
        return compute()
    if key in known:
        return known[key]
    value = compute()
    if _cache_version() == version:
        _kept_map(version)[key] = value
    return value


def _series_by_id(ids: set[int], version) -> dict[int, Event]:
    """The series named, with ``exception_list``: read once per events-table version."""
    from apps.events.recurrence import with_exceptions

    known = _kept_map(version) or {}
    found = {pk: known[("series", pk)] for pk in ids if ("series", pk) in known}
    missing = ids - found.keys()
    if missing:
        loaded = with_exceptions(list(Event.objects.filter(pk__in=missing).order_by()))
        found.update((series.pk, series) for series in loaded)
        if version is not None and _cache_version() == version:
            known = _kept_map(version)
            known.update((("series", series.pk), series) for series in loaded)
    return found


def _resolve(rows: list, version=None) -> list:
    """A cut page with its stored occurrences made :class:`~apps.events.recurrence.Occurrence`
    rows: their series and exceptions read in one query each, for this page only (and kept
    per events-table version)."""
    refs = [row.data for row in rows if type(row.data) is StoredRef]
    if not refs:
        return rows
    from apps.events.recurrence import Occurrence

    series = _series_by_id({r.series_id for r in refs}, version)
    known = {pk: {e.original_start: e for e in s.exception_list} for pk, s in series.items()}
    out = []
    for row in rows:
        ref = row.data
        if type(ref) is not StoredRef:
            out.append(row)
            continue
        event = series.get(ref.series_id)
        if event is None:
            continue  # deleted since the page was read
        original = _from_db(ref.original_start)
        occ = Occurrence(event, _from_db(ref.start), _from_db(ref.end), original, known[event.pk].get(original))
        out.append(ListRow(row.start, occ.instance_id, occ))
    return out


# {(database name): (data version, longest stored occurrence)}
_LONGEST_OCCURRENCE: dict[str, tuple[int, timedelta]] = {}


def longest_occurrence(*, version=_UNREAD) -> timedelta:
    """A bound on the longest stored occurrence, as :func:`max_duration` is for events."""
    if version is _UNREAD:
        version = _cache_version()
    name = connection.settings_dict["NAME"]
    if version is not None:
        hit = _LONGEST_OCCURRENCE.get(name)
        if hit is not None and hit[0] == version:
            return hit[1]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(MAX(duration_seconds), 0) + 1 FROM {StoredStream.TABLE}")
        value = timedelta(seconds=max(int(cursor.fetchone()[0]), 1))
    if version is not None:
        _LONGEST_OCCURRENCE[name] = (version, value)
    return value


def _db_value(moment: datetime):
    return connection.ops.adapt_datetimefield_value(moment)


def _window_clause(window: Window, longest: timedelta) -> tuple[list[str], list, datetime | None]:
    """Overlap with the window (``start < b and end > a``; zero-length events count at their start).

    The start-time index scan is bounded below by ``a - longest`` so it does not grow with
    the table; that bound is returned too (the search narrows its index by it).
    """
    where: list[str] = []
    params: list = []
    lowest = None
    if window.end is not None:
        where.append("start_time < %s")
        params.append(_db_value(window.end))
    if window.start is not None:
        lowest = window.start - longest
        where.append("(end_time > %s OR start_time >= %s) AND start_time >= %s")
        params += [_db_value(window.start), _db_value(window.start), _db_value(lowest)]
    return where, params, lowest


def list_events(params, *, today=None) -> EventQuery:
    """The filtered, ordered matches for ``GET /api/v1/events``."""
    window = window_from_params(params, today=today)
    version = _cache_version()  # one read per request for every cache below
    where: list[str] = []
    args: list = []
    calendars = [c.strip() for c in (params.get("calendar") or "").split(",") if c.strip()]
    if calendars:
        where.append(f"calendar_id IN ({', '.join(['%s'] * len(calendars))})")
        args += calendars
    statuses = [s.strip() for s in (params.get("status") or "").split(",") if s.strip()]
    if statuses:
        unknown = sorted(set(statuses) - set(Event.Status.values))
        if unknown:
            raise _bad("status", f"unknown status {unknown[0]!r}; use {', '.join(Event.Status.values)}.")
        where.append(f"status IN ({', '.join(['%s'] * len(statuses))})")
        args += statuses
    # A series' occurrences can each have their own status: that filter is applied to them.
    series_where, series_args = where[:1] if calendars else [], list(calendars)
    tag = (params.get("tag") or "").replace("\x00", "").strip()
    if tag:
        sql, tag_args = tag_clause(tag)
        where.append(sql)
        args += tag_args
        series_where.append(sql)
        series_args += tag_args
    q = params.get("q")
    text = q if q is not None and q.strip() else None
    # Series are expanded into occurrences (below); their stored rows are never listed as such.
    where.append("NOT is_recurring")
    if text is not None:
        found = search_clause(text)
        if found is not None:
            series_where.append(found[0])
            series_args += found[1]
    if window.start is None or text is not None:
        # A search is bounded by the full-text index's time-keyed range instead: one pass
        # over the index is cheaper than one per stream.
        streams = [([], max_duration(version=version))]
    else:
        streams = [(["NOT all_day"], max_duration(timed_only=True, version=version)),
                   (["all_day"], max_duration(version=version))]
    parts = []
    sqlite = connection.vendor == "sqlite"
    for kind, longest in streams:
        clauses, clause_args, lowest = _window_clause(window, longest)
        part_where, part_args = " AND ".join([*kind, *where, *clauses]) or "1 = 1", [*args, *clause_args]
        if text is None:
            parts.append(Stream(part_where, part_args))
            continue
        found = search_clause(text, start_from=lowest, start_before=window.end)
        if found is None:
            return EventQuery([], version)  # no word to look for: nothing can match
        fts = fts_terms(text, start_from=lowest, start_before=window.end) if sqlite else None
        parts.append(Stream(part_where, part_args, found, fts))
    if text is not None or tag:
        # The stored occurrences have no text or tags: a search expands the series it can match.
        parts.append(OccurrenceStream(window, where=" AND ".join(series_where), params=series_args,
                                      statuses=statuses))
    else:
        parts.append(StoredStream.for_window(window, calendars=calendars, statuses=statuses, version=version))
        parts.append(UnstoredStream(window, where=" AND ".join(series_where), params=series_args,
                                    statuses=statuses))
    return EventQuery(parts, version)


def _cached_count(sql: str, params, compute, *, version=_UNREAD) -> int:
    """A count cached per events-table version where the DB keeps one.

    The version is read *before* counting: a change committed in between makes the cached value
    fresher than its key, never staler.
    """
    if version is _UNREAD:
        version = _cache_version()
    if version is None:
        return compute()
    digest = hashlib.sha1(f"{sql}|{params!r}".encode(), usedforsecurity=False).hexdigest()
    key = f"events:count:{settings.DATABASES['default']['NAME']}:{digest}:{version}"
    cached = cache.get(key)
    if cached is not None:
        return cached
    value = compute()
    cache.set(key, value, 300)
    return value


def count_where(where: str, params: list, *, version=_UNREAD) -> int:
    """Events matching a WHERE clause of :func:`list_events` (cached, see :func:`_cached_count`)."""
    sql = f"SELECT COUNT(*) FROM {unmanaged.EVENTS} WHERE {where}"

    def compute() -> int:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchone()[0]

    return _cached_count(sql, params, compute, version=version)


# --- the rows of a list page -----------------------------------------------------------------


class EventRow:
    """A read-only event for list pages: the columns of a database row, no model overhead.

    Has the attributes of :class:`Event` that rendering reads, except the times: those are kept
    as the database hands them back (``db_start`` and friends: UTC text on SQLite, aware
    datetimes elsewhere). :func:`event_dict` makes the contract's ``Z`` strings from them and
    conflict detection compares them as they are; nothing parses them.
    """

    __slots__ = ("id", "calendar_id", "external_id", "title", "description", "location",
                 "db_start", "db_end", "all_day", "start_date", "end_date", "timezone", "priority", "event_type",
                 "status", "transparency", "tags", "attendees", "mode", "all_done", "plugin_error", "db_created",
                 "db_updated")

    @classmethod
    def from_db(cls, row) -> EventRow:
        """From a plain cursor row in ``ROW_FIELDS`` order (see :func:`_event_rows`)."""
        self = cls.__new__(cls)
        (self.id, self.calendar_id, self.external_id, self.title, self.description, self.location, self.db_start,
         self.db_end, all_day, start_date, end_date, self.timezone, self.priority, self.event_type, self.status,
         self.transparency, tags, attendees, self.mode, all_done, self.plugin_error, self.db_created, self.db_updated) = row
        self.start_date = date.fromisoformat(start_date) if isinstance(start_date, str) else start_date
        self.end_date = date.fromisoformat(end_date) if isinstance(end_date, str) else end_date
        self.all_day, self.all_done = bool(all_day), bool(all_done)
        self.tags, self.attendees = _json_list(tags), _json_list(attendees)
        return self

    @property
    def pk(self) -> int:
        return self.id


class OccurrenceRow:
    """One occurrence of a series on a list page (see :class:`apps.events.selectors.OccurrenceStream`).

    Carries what rendering and conflict detection read: the instance id as ``pk``, the
    occurrence's own times (as the database would hand them back) and effective fields.
    """

    __slots__ = ("occ", "id", "calendar_id", "attendees", "all_day", "status", "transparency", "db_start", "db_end",
                 "mode", "series_id")

    def __init__(self, occ) -> None:
        self.occ = occ
        self.id = occ.instance_id
        self.series_id = occ.event.pk
        self.calendar_id = occ.event.calendar_id
        self.attendees = occ.value("attendees")
        self.all_day = occ.event.all_day
        self.status = occ.status
        self.transparency = occ.event.transparency
        self.mode = occ.event.mode
        self.db_start, self.db_end = _db_value(occ.start), _db_value(occ.end)

    @property
    def pk(self) -> str:
        return self.id


ROW_FIELDS = EventRow.__slots__
# The columns an event's list row is read from, in ROW_FIELDS order.
COLUMNS = ("id", "calendar_id", "external_id", "title", "description", "location", "start_time", "end_time",
                "all_day", "start_date", "end_date", "timezone", "priority", "event_type", "status", "transparency", "tags",
                "attendees", "mode", "all_done", "plugin_error", "created_at", "updated_at")
_TEXT_ON_SQLITE = ("start_time", "end_time", "start_date", "end_date", "created_at", "updated_at")


def _row_select(vendor: str) -> str:
    table = "events_event"
    if vendor == "sqlite":
        # The driver would parse every declared datetime column; as text they stay cheap.
        return ", ".join(f"CAST({table}.{c} AS text)" if c in _TEXT_ON_SQLITE else f"{table}.{c}"
                         for c in COLUMNS)
    return ", ".join(f"{table}.{c}" for c in COLUMNS)


assert len(COLUMNS) == len(ROW_FIELDS)
_START = COLUMNS.index("start_time")  # orders the merge of the streams (see ListRow)
_ROW_SELECT = {vendor: _row_select(vendor) for vendor in ("sqlite", "postgresql")}


def _json_list(value):
    """A JSON column as ``JSONField`` would give it; an empty list is not worth the decoder."""
    if value == "[]":
        return []
    if isinstance(value, str):
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    return value



def _fetch(sql: str, params) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _event_rows(stream: Stream, limit: int, offset: int) -> list[ListRow]:
    """One stream's rows of stored events, the raw columns (``COLUMNS`` order) as ``data``.

    Turned into :class:`EventRow` only once the page is cut from the merged streams.
    """
    select = _ROW_SELECT.get(connection.vendor) or _row_select(connection.vendor)
    if stream.fts is not None:
        return _search_rows(select, stream, limit, offset)
    where, params = stream.clause()
    sql = f"SELECT {select} FROM events_event WHERE {where} ORDER BY start_time, id LIMIT %s OFFSET %s"
    return [ListRow(row[_START], row[0], row) for row in _fetch(sql, [*params, limit, offset])]


def _search_rows(select: str, stream: Stream, limit: int, offset: int) -> list[ListRow]:
    """A SQLite search read in the order of the full-text index, stopping after the page.

    The index's rowid is a time key, ``(start second << 30) | id`` (see
    :mod:`apps.events.unmanaged`), so reading it in order is reading the matches by start
    time: the page is found without collecting and sorting every match of the window. Within
    one second the key orders by id, the list by the exact start time: the rest of the last
    row's second is read too and the rows are sorted before the page is cut.
    """
    fts, events = unmanaged.FTS, unmanaged.EVENTS
    match, low, high = stream.fts
    head = (f"SELECT {select}, {fts}.rowid FROM {fts} JOIN {events} ON {events}.id = ({fts}.rowid & {unmanaged.ID_MASK}) "
            f"WHERE {fts} MATCH %s AND {stream.where}")
    bounds, bound_params = "", []
    if low is not None:
        bounds += f" AND {fts}.rowid >= %s"
        bound_params.append(low)
    if high is not None:
        bounds += f" AND {fts}.rowid < %s"
        bound_params.append(high)
    wanted = offset + limit
    rows = _fetch(f"{head}{bounds} ORDER BY {fts}.rowid LIMIT %s", [match, *stream.params, *bound_params, wanted])
    if len(rows) == wanted:
        last = rows[-1][-1]
        second_end = ((last >> unmanaged.ID_BITS) + 1) << unmanaged.ID_BITS
        rows += _fetch(f"{head} AND {fts}.rowid > %s AND {fts}.rowid < %s", [match, *stream.params, last, second_end])
    rows.sort(key=lambda row: (row[_START], row[0]))
    return [ListRow(row[_START], row[0], row[:-1]) for row in rows[offset:wanted]]
