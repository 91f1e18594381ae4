"""Reads of events: the window of the contract, filters, search and a cheap total count."""

from __future__ import annotations

import hashlib
import heapq
import itertools
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import Q, QuerySet
from django.utils import timezone
from rest_framework import exceptions

from apps.events import dbobjects
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
    return dbobjects.data_version()


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
    :func:`apps.events.serializers.event_rows`).
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

    def rows(self, offset: int, limit: int, reader) -> list:
        """``limit`` raw rows from ``offset`` in list order.

        ``reader(stream, limit, offset)`` returns one stream's rows in list order, as tuples
        with the id first and the start time (as the database hands it back) at ``START``.
        """
        if not self.streams:
            return []

        def read(stream, wanted: int, skip: int) -> list:
            if isinstance(stream, Stream):
                return reader(stream, wanted, skip)
            return stream.rows(wanted, skip)

        if len(self.streams) == 1:
            return _resolve(read(self.streams[0], limit, offset), self.version)
        first = read(self.streams[0], offset + limit, 0)
        streams = [first]
        for stream in self.streams[1:]:
            if len(first) == offset + limit:
                # Rows starting after the first stream's last row cannot make this page.
                stream = stream.until(first[-1][START])
            streams.append(read(stream, offset + limit, 0))
        # Occurrence ids are text ("<series>_<start>"), stored events' integers: order them apart.
        merged = heapq.merge(*streams, key=lambda row: (row[START], isinstance(row[0], str), row[0]))
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
        return [(o.instance_id, None, None, None, None, None, _db_value(o.start), o)
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
        # The id (first) only orders rows of one start among the streams; _resolve replaces it.
        return [(f"{series}_", None, None, None, None, None, start, StoredRef(series, original, start, end))
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
    refs = [row[-1] for row in rows if type(row[-1]) is StoredRef]
    if not refs:
        return rows
    from apps.events.recurrence import Occurrence

    series = _series_by_id({r.series_id for r in refs}, version)
    known = {pk: {e.original_start: e for e in s.exception_list} for pk, s in series.items()}
    out = []
    for row in rows:
        ref = row[-1]
        if type(ref) is not StoredRef:
            out.append(row)
            continue
        event = series.get(ref.series_id)
        if event is None:
            continue  # deleted since the page was read
        original = _from_db(ref.original_start)
        occ = Occurrence(event, _from_db(ref.start), _from_db(ref.end), original, known[event.pk].get(original))
        out.append((occ.instance_id, *row[1:-1], occ))
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


START = 6  # position of start_time in a list row (apps.events.serializers._ROW_COLUMNS)


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
    sql = f"SELECT COUNT(*) FROM {dbobjects.EVENTS} WHERE {where}"

    def compute() -> int:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchone()[0]

    return _cached_count(sql, params, compute, version=version)
