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
from django.db.models import Model, Q, QuerySet, TextField
from django.db.models.functions import Cast
from django.utils import timezone
from rest_framework import exceptions

from apps.core import statements
from apps.events import unmanaged
from apps.events.models import Event, EventOccurrence
from apps.events.search import fts_terms, search_filter, tag_filter
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


def listing_horizon() -> datetime:
    """How far a window without an end lists the occurrences of never-ending series, so its
    count stays finite: ``events.recurrence_horizon_days`` after today's UTC midnight (it moves
    once a day, so counts stay cacheable per events-table version)."""
    from chronos.config import current

    today = timezone.now().replace(hour=0, minute=0, second=0, microsecond=0)
    return today + timedelta(days=current().events.recurrence_horizon_days)


# {(database name, statement): (data version, longest duration)}; replaced as the version moves.
_LONGEST: dict[tuple[str, str], tuple[int, timedelta]] = {}


def _cache_version() -> int | None:
    """The data version to key caches on, or None when caching must be skipped.

    Inside a transaction a read sees its own uncommitted writes, and a rollback hands the same
    version number to a different state later: only reads in autocommit may fill or use a cache.
    """
    if connection.in_atomic_block:
        return None
    return unmanaged.data_version()


_UNREAD = object()


def longest_sql(*, timed_only: bool = False, table: str = "events_event") -> str:
    """A scalar ``SELECT`` of the longest duration in ``table`` (events, or the stored
    occurrences), in whole seconds, as :func:`max_duration` bounds scans with it.

    ``duration_seconds`` drops fractions of a second, hence the + 1. One index lookup: the
    duration index, or for timed events the partial one whose condition is this WHERE clause.
    """
    return (f"SELECT COALESCE(MAX(duration_seconds), 0) + 1 FROM {table}"
            + (" WHERE NOT all_day" if timed_only else ""))


def _longest(sql: str, version) -> timedelta:
    """The bound ``sql`` (a :func:`longest_sql`) reads, kept per database and events-table
    version. The version is read first, so a kept value is never older than its key; a longer
    bound than needed only widens a scan."""
    if version is _UNREAD:
        version = _cache_version()
    name = (connection.settings_dict["NAME"], sql)
    if version is not None:
        hit = _LONGEST.get(name)
        if hit is not None and hit[0] == version:
            return hit[1]
    with connection.cursor() as cursor:
        cursor.execute(sql)
        value = timedelta(seconds=max(int(cursor.fetchone()[0]), 1))
    if version is not None:
        _LONGEST[name] = (version, value)
    return value


def max_duration(*, timed_only: bool = False, version=_UNREAD) -> timedelta:
    """A bound on the longest stored event: ``MAX(duration_seconds)`` + 1 s.

    ``timed_only`` leaves all-day events out: they never conflict, and one three-day event would
    otherwise widen every conflict scan to three days of rows.
    """
    return _longest(longest_sql(timed_only=timed_only), version)


def longest_occurrence(*, version=_UNREAD) -> timedelta:
    """A bound on the longest stored occurrence, as :func:`max_duration` is for events."""
    return _longest(longest_sql(table=EventOccurrence._meta.db_table), version)


def in_window(queryset: QuerySet, window: Window) -> QuerySet:
    """``queryset`` (of Event) narrowed to the window, with the list's own filter (see :func:`_window_filter`)."""
    return queryset.filter(_window_filter(window, max_duration())[0])


@dataclass(frozen=True)
class Stream:
    """One ordered stream of the list: a filter over the events table.

    ``search`` is the full-text condition (for counting); ``fts`` the same search as an FTS5
    query with its time-key range, which SQLite reads in index order (see :meth:`Stream.rows`).
    """

    filters: Q
    search: Q | None = None
    fts: tuple[str, int | None, int | None] | None = None

    def condition(self) -> Q:
        return self.filters if self.search is None else self.filters & self.search

    def queryset(self) -> QuerySet:
        """The stream's rows in list order: the raw columns (``COLUMNS`` order, see :func:`_as_read`)."""
        return list_read(Event, self.condition())

    def until(self, db_start) -> Stream:
        """Only rows starting at or before ``db_start``."""
        return Stream(self.filters & Q(start_time__lte=_from_db(db_start)), self.search, self.fts)

    def rows(self, limit: int, offset: int) -> list[ListRow]:
        """The stream's rows of stored events, the raw columns (``COLUMNS`` order) as ``data``;
        turned into :class:`EventRow` only once the page is cut from the merged streams."""
        if self.fts is not None:
            return _search_rows(self, limit, offset)
        # The ORM's SQL on a plain cursor: JSON and date columns are converted for the page's
        # rows only (EventRow.from_db), and each distinct read is compiled once (apps.core.statements).
        found = statements.rows(_page, Event, self.condition(), offset, limit)
        return [ListRow(row[_START], row[0], row) for row in found]

    def count(self, version: int | None) -> int:
        return _count(Event, self.condition(), version=version)


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

    Each stream is a filter (``Q``) whose statement the ORM compiles (:func:`list_read`) and
    :mod:`apps.core.statements` keeps and runs on a plain cursor. A window with a lower bound
    is read as two streams, timed and all-day events, each bounded by its own longest duration
    on its own partial index (the clauses ``NOT all_day`` / ``all_day`` are those of the indexes):
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
        if len(self.streams) == 1:
            return _resolve(self.streams[0].rows(limit, offset), self.version)
        first = self.streams[0].rows(offset + limit, 0)
        streams = [first]
        for stream in self.streams[1:]:
            if len(first) == offset + limit:
                # Rows starting after the first stream's last row cannot make this page.
                stream = stream.until(first[-1].start)
            streams.append(stream.rows(offset + limit, 0))
        # Occurrence ids are text ("<series>_<start>"), stored events' integers: order them apart.
        merged = heapq.merge(*streams, key=lambda row: (row.start, isinstance(row.id, str), row.id))
        return _resolve(list(itertools.islice(merged, offset, offset + limit)), self.version)

    def count(self) -> int:
        return sum(stream.count(self.version) for stream in self.streams)


class OccurrenceStream:
    """The occurrences of recurring series in the window, as one more ordered stream of the list.

    Series are read once (few rows: :func:`apps.events.recurrence.series_in_window`), then each
    is expanded lazily and merged: a page reads only the occurrences up to its last row, so an
    unbounded rule over an unbounded window pages instead of expanding without end. Rows are
    :class:`ListRow` with the occurrence as ``data``.
    """

    KIND = "occurrences"  # names the stream's counts in the cache

    def __init__(self, window: Window, *, filters: Q, statuses: list[str]) -> None:
        self.window, self.filters, self.statuses = window, filters, statuses
        self._series: list | None = None

    def until(self, db_start) -> OccurrenceStream:
        return self

    def series(self, end: datetime | None = None) -> list:
        """The series to expand (``end``: the end of the part read, for streams that narrow by it)."""
        if self._series is None:
            from apps.events.recurrence import series_in_window

            self._series = list(series_in_window(self.window.start, self.window.end, filters=self.filters))
        return self._series

    def _expand(self, series: Event, end: datetime | None):
        from apps.events.recurrence import iter_occurrences

        return iter_occurrences(series, self.window.start, end, exceptions=series.exception_list)

    def _iterate(self, end: datetime | None):
        wanted = set(self.statuses)
        streams = []
        for series in self.series(end):
            found = self._expand(series, end)
            if wanted:
                found = (o for o in found if o.status in wanted)
            streams.append(found)
        return heapq.merge(*streams, key=lambda o: (o.start, o.event.pk, o.original_start))

    def rows(self, limit: int, offset: int) -> list:
        return [ListRow(_db_value(o.start), o.instance_id, o)
                for o in itertools.islice(self._iterate(self.window.end), offset, offset + limit)]

    def count(self, version: int | None) -> int:
        end = self.window.end or listing_horizon()
        if not self.series(end):
            return 0  # nothing to expand: no count to compute or keep
        key = f"{self.KIND}|{self.window.start}|{end}|{self.statuses}|{self.filters!r}"
        return _cached_count(key, lambda: sum(1 for _ in self._iterate(end)), version=version)


class UnstoredStream(OccurrenceStream):
    """The occurrences of the window that are not stored: those of series stored only up to a
    horizon (``Event.occurrences_until``) that the window reaches beyond, expanded lazily from
    there (:func:`apps.events.recurrence.unstored_occurrences`). Usually no series at all.
    """

    KIND = "unstored"

    def __init__(self, window: Window, *, filters: Q, statuses: list[str], upper: datetime | None = None) -> None:
        super().__init__(window, filters=filters, statuses=statuses)
        self.upper = upper  # only occurrences starting at or before this (see EventQuery.rows)

    def until(self, db_start) -> UnstoredStream:
        found = UnstoredStream(self.window, filters=self.filters, statuses=self.statuses, upper=_from_db(db_start))
        found._series = self.series()  # read once for the rows and the count
        return found

    def series(self, end: datetime | None = None) -> list:
        if self._series is None:
            self._series = _kept(("unstored", self.window, repr(self.filters)), self._read_series)
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
        qs = qs.filter(self.filters)
        # No ORDER BY: sorted, SQLite would walk every event in start order instead of
        # reading the few rows of event_series_stored_idx.
        return with_exceptions(sorted(qs.order_by(), key=lambda e: (e.start_time, e.pk)))

    def _expand(self, series: Event, end: datetime | None):
        from apps.events.recurrence import unstored_occurrences

        return unstored_occurrences(series, series.occurrences_until, self.window.start, end,
                                    exceptions=series.exception_list)

    def _iterate(self, end: datetime | None):
        merged = super()._iterate(end)
        if self.upper is not None:
            merged = itertools.takewhile(lambda o: o.start <= self.upper, merged)
        return merged


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

    def __init__(self, filters: Q, counted: list[Q] | None = None) -> None:
        self.filters = filters
        # The same rows as filters whose counts add up to the count (see for_window).
        self.counted = counted if counted is not None else [filters]

    @classmethod
    def for_window(cls, window: Window, *, calendars: list[str], statuses: list[str], version) -> StoredStream:
        filters = Q()
        if calendars:
            filters &= Q(calendar_id__in=calendars)
        if statuses:
            filters &= Q(status__in=statuses)
        longest = longest_occurrence(version=version)
        counted = None
        if window.start is not None:
            # Counted as two ranges of the start index: those starting in the window (the index
            # alone answers), and those starting before it that reach into it (a short range
            # whose end times are read). One range with the overlap filter would read the
            # end time of every row of the window: seconds for a year of 5,000 series.
            upper = Q(start_time__lt=window.end) if window.end is not None else Q()
            inside = filters & Q(start_time__gte=window.start) & upper
            before = (filters & Q(start_time__gte=window.start - longest, start_time__lt=window.start,
                                  end_time__gt=window.start) & upper)
            counted = [inside, before]
        return cls(filters & _window_filter(window, longest)[0], counted)

    def until(self, db_start) -> StoredStream:
        return StoredStream(self.filters & Q(start_time__lte=_from_db(db_start)))

    def queryset(self) -> QuerySet:
        """The stream's rows in list order: series id, original start, start and end."""
        return list_read(EventOccurrence, self.filters)

    def rows(self, limit: int, offset: int) -> list:
        # As the events' streams: times as text on SQLite (the start is merged in that form;
        # the driver would parse every row's datetimes, and only the page's are needed).
        found = statements.rows(_page, EventOccurrence, self.filters, offset, limit)
        # The id only orders rows of one start among the streams; _resolve replaces it.
        return [ListRow(start, f"{series}_", StoredRef(series, original, start, end))
                for series, original, start, end in found]

    def count(self, version: int | None) -> int:
        return sum(_count(EventOccurrence, part, version=version) for part in self.counted)


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


def _db_value(moment: datetime):
    return connection.ops.adapt_datetimefield_value(moment)


def _window_filter(window: Window, longest: timedelta) -> tuple[Q, datetime | None]:
    """Overlap with the window (``start < b and end > a``; zero-length events count at their start).

    The start-time index scan is bounded below by ``a - longest`` so it does not grow with
    the table; that bound is returned too (the search narrows its index by it).
    """
    found = Q()
    lowest = None
    if window.end is not None:
        found &= Q(start_time__lt=window.end)
    if window.start is not None:
        lowest = window.start - longest
        found &= (Q(end_time__gt=window.start) | Q(start_time__gte=window.start)) & Q(start_time__gte=lowest)
    return found, lowest


def list_events(params, *, today=None) -> EventQuery:
    """The filtered, ordered matches for ``GET /api/v1/events``."""
    window = window_from_params(params, today=today)
    version = _cache_version()  # one read per request for every cache below
    filters = Q()
    calendars = [c.strip() for c in (params.get("calendar") or "").split(",") if c.strip()]
    if calendars:
        filters &= Q(calendar_id__in=calendars)
    # A series' occurrences can each have their own status: that filter is applied to them.
    series_filters = filters
    statuses = [s.strip() for s in (params.get("status") or "").split(",") if s.strip()]
    if statuses:
        unknown = sorted(set(statuses) - set(Event.Status.values))
        if unknown:
            raise _bad("status", f"unknown status {unknown[0]!r}; use {', '.join(Event.Status.values)}.")
        filters &= Q(status__in=statuses)
    tag = (params.get("tag") or "").replace("\x00", "").strip()
    if tag:
        filters &= tag_filter(tag)
        series_filters &= tag_filter(tag)
    q = params.get("q")
    text = q if q is not None and q.strip() else None
    # Series are expanded into occurrences (below); their stored rows are never listed as such.
    filters &= Q(is_recurring=False)
    if text is not None:
        found = search_filter(text)
        if found is not None:
            series_filters &= found
    if window.start is None or text is not None:
        # A search is bounded by the full-text index's time-keyed range instead: one pass
        # over the index is cheaper than one per stream.
        streams = [(Q(), max_duration(version=version))]
    else:
        # The conditions of the partial indexes event_timed_start_idx / event_allday_start_idx.
        streams = [(Q(all_day=False), max_duration(timed_only=True, version=version)),
                   (Q(all_day=True), max_duration(version=version))]
    parts = []
    sqlite = connection.vendor == "sqlite"
    for kind, longest in streams:
        bounds, lowest = _window_filter(window, longest)
        part = kind & filters & bounds
        if text is None:
            parts.append(Stream(part))
            continue
        found = search_filter(text, start_from=lowest, start_before=window.end)
        if found is None:
            return EventQuery([], version)  # no word to look for: nothing can match
        fts = fts_terms(text, start_from=lowest, start_before=window.end) if sqlite else None
        parts.append(Stream(part, found, fts))
    if text is not None or tag:
        # The stored occurrences have no text or tags: a search expands the series it can match.
        parts.append(OccurrenceStream(window, filters=series_filters, statuses=statuses))
    else:
        parts.append(StoredStream.for_window(window, calendars=calendars, statuses=statuses, version=version))
        parts.append(UnstoredStream(window, filters=series_filters, statuses=statuses))
    return EventQuery(parts, version)


def _cached_count(key: str, compute, *, version=_UNREAD) -> int:
    """``compute()``, a count named by ``key``, cached per events-table version where the DB
    keeps one.

    The version is read *before* counting: a change committed in between makes the cached value
    fresher than its key, never staler.
    """
    if version is _UNREAD:
        version = _cache_version()
    if version is None:
        return compute()
    digest = hashlib.sha1(key.encode(), usedforsecurity=False).hexdigest()
    name = f"events:count:{settings.DATABASES['default']['NAME']}:{digest}:{version}"
    cached = cache.get(name)
    if cached is not None:
        return cached
    value = compute()
    cache.set(name, value, 300)
    return value


def _count(model: type[Model], condition: Q, *, version=_UNREAD) -> int:
    """The rows of ``model`` matching ``condition``, cached per events-table version (see
    :func:`_cached_count`; the filter's ``repr`` names every value, so it keys the count)."""
    return _cached_count(f"{model._meta.label}|{condition!r}", lambda: statements.count(model, condition),
                         version=version)


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
        """From a plain cursor row in ``ROW_FIELDS`` order (see :meth:`Stream.rows`)."""
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
_TEXT_ON_SQLITE = ("start_time", "end_time", "start_date", "end_date", "created_at", "updated_at",
                   "original_start")
_START = COLUMNS.index("start_time")  # orders the merge of the streams (see ListRow)
assert len(COLUMNS) == len(ROW_FIELDS)


def _as_read(column: str):
    """A column as a list read selects it: date-times as text on SQLite, where the driver would
    otherwise parse every one of them (only the page's are rendered, from text, far cheaper)."""
    if connection.vendor == "sqlite" and column in _TEXT_ON_SQLITE:
        return Cast(column, output_field=TextField())
    return column


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



def list_read(model: type[Model], condition: Q) -> QuerySet:
    """The rows of a list stream in list order: events (``COLUMNS``) or stored occurrences
    (series id, original start, start, end), as :func:`_as_read` selects them."""
    if model is Event:
        return Event.objects.filter(condition).order_by("start_time", "id").values_list(*map(_as_read, COLUMNS))
    columns = [_as_read(name) for name in ("series_id", "original_start", "start_time", "end_time")]
    return model.objects.filter(condition).order_by("start_time", "series_id", "original_start").values_list(*columns)


def _page(model: type[Model], condition: Q, offset: int, limit: int) -> QuerySet:
    return list_read(model, condition)[offset:offset + limit]


def _search_rows(stream: Stream, limit: int, offset: int) -> list[ListRow]:
    """A SQLite search read in the order of the full-text index, stopping after the page.

    The index's rowid is a time key, ``(start second << 30) | id`` (see
    :mod:`apps.events.unmanaged`), so reading it in order is reading the matches by start
    time: the page is found without collecting and sorting every match of the window. Within
    one second the key orders by id, the list by the exact start time: the rest of the last
    row's second is read too and the rows are sorted before the page is cut.

    The read follows the index, which the ORM cannot join: the statement is written out (the
    columns as :func:`_as_read` selects them) around the ORM's WHERE clause of the stream's filter.
    """
    fts, events = unmanaged.FTS, unmanaged.EVENTS
    match, low, high = stream.fts
    columns = ", ".join(f"CAST({events}.{c} AS text)" if c in _TEXT_ON_SQLITE else f"{events}.{c}" for c in COLUMNS)
    where, where_params = statements.where(Event, stream.filters)
    head = (f"SELECT {columns}, {fts}.rowid FROM {fts} JOIN {events} ON {events}.id = ({fts}.rowid & {unmanaged.ID_MASK}) "
            f"WHERE {fts} MATCH %s AND {where}")
    bounds, bound_params = "", []
    if low is not None:
        bounds += f" AND {fts}.rowid >= %s"
        bound_params.append(low)
    if high is not None:
        bounds += f" AND {fts}.rowid < %s"
        bound_params.append(high)
    wanted = offset + limit
    rows = _raw(f"{head}{bounds} ORDER BY {fts}.rowid LIMIT %s", [match, *where_params, *bound_params, wanted])
    if len(rows) == wanted:
        last = rows[-1][-1]
        second_end = ((last >> unmanaged.ID_BITS) + 1) << unmanaged.ID_BITS
        rows += _raw(f"{head} AND {fts}.rowid > %s AND {fts}.rowid < %s", [match, *where_params, last, second_end])
    rows.sort(key=lambda row: (row[_START], row[0]))
    return [ListRow(row[_START], row[0], row[:-1]) for row in rows[offset:wanted]]


def _raw(sql: str, params: list) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()
