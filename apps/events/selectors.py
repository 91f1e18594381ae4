"""Reads of events: the window of the contract, filters, search and a cheap total count."""

from __future__ import annotations

import hashlib
import heapq
import itertools
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import Q, QuerySet
from django.utils import timezone
from rest_framework import exceptions

from apps.events import dbobjects
from apps.events.models import Event
from apps.events.search import search, tag_filter
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


def max_duration(*, timed_only: bool = False) -> timedelta:
    """The longest stored event (``MAX(duration_seconds)``), cached per events-table version.

    ``timed_only`` leaves all-day events out: they never conflict, and one three-day event would
    otherwise widen every conflict scan to three days of rows. The version is read first, so a
    cached value is never older than its key; a longer bound than needed only widens a scan.
    """
    version = _cache_version()
    name = (connection.settings_dict["NAME"], timed_only)
    if version is not None:
        hit = _LONGEST.get(name)
        if hit is not None and hit[0] == version:
            return hit[1]
    with connection.cursor() as cursor:
        # Single index lookups: (duration_seconds), and for timed events the partial index whose
        # condition is exactly this WHERE clause.
        cursor.execute("SELECT MAX(duration_seconds) FROM events_event" + (" WHERE NOT all_day" if timed_only else ""))
        seconds = cursor.fetchone()[0] or 0
    value = timedelta(seconds=max(int(seconds), 0))
    if version is not None:
        _LONGEST[name] = (version, value)
    return value


def in_window(queryset: QuerySet, window: Window, *,
              longest: timedelta | None = None) -> tuple[QuerySet, datetime | None]:
    """Events overlapping the window (``start < b and end > a``; zero-length ones count at their start).

    Returns the queryset and the lowest start time a match can have: the start-time index scan
    is bounded by ``a - longest duration`` so it does not grow with the table.
    """
    lowest = None
    if window.end is not None:
        queryset = queryset.filter(start_time__lt=window.end)
    if window.start is not None:
        lowest = window.start - (max_duration() if longest is None else longest)
        queryset = queryset.filter(Q(end_time__gt=window.start) | Q(start_time__gte=window.start),
                                   start_time__gte=lowest)
    return queryset, lowest


class EventQuery:
    """The list's matches as ordered streams of querysets, merged by (start_time, id).

    A window with a lower bound is read as two streams, timed and all-day events, each bounded
    by its own longest duration on its own partial index: one multi-day all-day event would
    otherwise make every window read days of timed rows before its first match.
    """

    def __init__(self, parts: list[QuerySet]) -> None:
        self.parts = [part.order_by("start_time", "id") for part in parts]

    def rows(self, offset: int, limit: int, reader) -> list:
        """``limit`` rows from ``offset`` in list order; ``reader`` turns a sliced queryset into rows."""
        if len(self.parts) == 1:
            return reader(self.parts[0][offset : offset + limit])
        first = reader(self.parts[0][: offset + limit])
        streams = [first]
        for part in self.parts[1:]:
            if len(first) == offset + limit:
                # Rows starting after the first stream's last row cannot make this page.
                part = part.filter(start_time__lte=first[-1].start_time)
            streams.append(reader(part[: offset + limit]))
        merged = heapq.merge(*streams, key=lambda row: (row.start_time, row.id))
        return list(itertools.islice(merged, offset, offset + limit))

    def count(self) -> int:
        return sum(count(part) for part in self.parts)


def list_events(params, *, today=None) -> EventQuery:
    """The filtered, ordered matches for ``GET /api/v1/events``."""
    window = window_from_params(params, today=today)
    qs = Event.objects.all()
    calendars = [c for c in (params.get("calendar") or "").split(",") if c.strip()]
    if calendars:
        qs = qs.filter(calendar_id__in=[c.strip() for c in calendars]) if len(calendars) > 1 else qs.filter(
            calendar_id=calendars[0].strip())
    statuses = [s.strip() for s in (params.get("status") or "").split(",") if s.strip()]
    if statuses:
        unknown = sorted(set(statuses) - set(Event.Status.values))
        if unknown:
            raise _bad("status", f"unknown status {unknown[0]!r}; use {', '.join(Event.Status.values)}.")
        qs = qs.filter(status__in=statuses)
    tag = (params.get("tag") or "").replace("\x00", "").strip()
    if tag:
        qs = tag_filter(qs, tag)
    q = params.get("q")
    text = q if q is not None and q.strip() else None
    if window.start is None or text is not None:
        # A search is bounded by the full-text index's time-keyed range instead: one pass
        # over the index is cheaper than one per stream.
        parts = [in_window(qs, window)]
    else:
        parts = [
            in_window(qs.filter(all_day=False), window, longest=max_duration(timed_only=True)),
            in_window(qs.filter(all_day=True), window),
        ]
    if text is not None:
        parts = [(search(part, text, start_from=lowest, start_before=window.end), lowest) for part, lowest in parts]
    return EventQuery([part for part, _ in parts])


def count(queryset: QuerySet) -> int:
    """``queryset.count()``, cached per events-table version where the DB keeps one.

    The version is read *before* counting: a change committed in between makes the cached value
    fresher than its key, never staler.
    """
    version = _cache_version()
    if version is None:
        return queryset.count()
    sql, params = queryset.query.sql_with_params()
    digest = hashlib.sha1(f"{sql}|{params!r}".encode(), usedforsecurity=False).hexdigest()
    key = f"events:count:{settings.DATABASES['default']['NAME']}:{digest}:{version}"
    cached = cache.get(key)
    if cached is not None:
        return cached
    value = queryset.count()
    cache.set(key, value, 300)
    return value


