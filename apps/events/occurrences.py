"""Stored occurrences of recurring series (``EventOccurrence``): written here, read by windows.

A series' occurrences are expanded by :func:`apps.events.recurrence.stored_occurrences` (the
one expansion, python-dateutil) and stored as rows, so a window, its count and a conflict
probe read them by index instead of expanding every series per request. A series' rows are
replaced as a whole by :func:`store_occurrences`, in the transaction of the write that changed
the series or one of its exceptions:

- ``Event.save()`` (when a column the occurrences depend on may have changed) and
  ``EventException.save()`` call it; a deleted exception calls it through ``post_delete``
  (:func:`on_exception_deleted`), once per series and deletion;
- writes that bypass the models (the sync engine's bulk rows and exceptions, backup restore)
  call it themselves; a deleted series takes its rows with it (foreign key, cascade).

Rules that end within the horizon are stored whole. The others (never-ending, or ending after
it) are stored up to the horizon — ``events.recurrence_horizon_days`` ahead plus
:data:`AHEAD_DAYS` — and ``Event.occurrences_until`` records how far: the daily task
:func:`extend_occurrences` moves it on, and windows beyond it expand the rest lazily
(:func:`apps.events.recurrence.unstored_occurrences`). ``manage.py rebuild_occurrences``
rewrites every series' rows.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from chronos.config import current

# Stored this many days beyond the horizon, and extended when less than half of it is left:
# a count up to the horizon then never needs to expand the rest, even if the task runs late.
AHEAD_DAYS = 14
BATCH = 2000
_CHUNK = 500


def horizon(now: datetime | None = None) -> datetime:
    """How far rules that do not end before it are stored (UTC midnight, moves once a day)."""
    today = (now or timezone.now()).replace(hour=0, minute=0, second=0, microsecond=0)
    return today + timedelta(days=current().events.recurrence_horizon_days + AHEAD_DAYS)


def _chunks(items: list, size: int):
    for i in range(0, len(items), size):
        yield items[i:i + size]


def store_occurrences(series_ids: Iterable[int | None], *, until: datetime | None = None) -> int:
    """Replace the stored occurrences of these events (series or not); the number of rows written.

    Ids of events that are not (or no longer) series lose their rows, unknown ids are skipped.
    ``until`` is the horizon (default: :func:`horizon`).
    """
    from apps.events.models import Event, EventOccurrence
    from apps.events.recurrence import stored_occurrences, with_exceptions

    ids = sorted({int(i) for i in series_ids if i is not None})
    if not ids:
        return 0
    limit = until or horizon()
    written = 0
    with transaction.atomic():
        for chunk in _chunks(ids, _CHUNK):
            EventOccurrence.objects.filter(series_id__in=chunk).delete()
            series = with_exceptions(list(Event.objects.filter(pk__in=chunk, is_recurring=True).order_by()))
            rows: list = []
            whole, partial = [], []
            for event in series:
                ends = event.series_end is not None and event.series_end <= limit
                (whole if ends else partial).append(event.pk)
                for occ in stored_occurrences(event, None if ends else limit, exceptions=event.exception_list):
                    rows.append(EventOccurrence(
                        series_id=event.pk, calendar_id=event.calendar_id, original_start=occ.original_start,
                        start_time=occ.start, end_time=occ.end,
                        duration_seconds=int((occ.end - occ.start).total_seconds()), all_day=event.all_day,
                        status=occ.status, transparency=event.transparency))
                    if len(rows) >= BATCH:
                        EventOccurrence.objects.bulk_create(rows)
                        written += len(rows)
                        rows = []
            if rows:
                EventOccurrence.objects.bulk_create(rows)
                written += len(rows)
            # Always written: the update also moves the events table's data version, which
            # keys the cached counts and conflict lists (apps.events.unmanaged).
            stored = set(whole) | set(partial)
            Event.objects.filter(pk__in=[i for i in chunk if i not in stored]).exclude(
                occurrences_until=None).update(occurrences_until=None)
            if whole:
                Event.objects.filter(pk__in=whole).update(occurrences_until=None)
            if partial:
                Event.objects.filter(pk__in=partial).update(occurrences_until=limit)
    return written


def extend_occurrences(now: datetime | None = None) -> int:
    """The daily task: series stored less than half of :data:`AHEAD_DAYS` beyond the horizon
    are stored up to the new one. Returns the number of series extended."""
    from apps.events.models import Event

    limit = horizon(now)
    due = limit - timedelta(days=AHEAD_DAYS // 2)
    ids = list(Event.objects.filter(occurrences_until__lt=due).values_list("pk", flat=True).order_by("pk"))
    for chunk in _chunks(ids, _CHUNK):
        store_occurrences(chunk, until=limit)  # one short transaction per chunk
    return len(ids)


def rebuild_occurrences() -> tuple[int, int]:
    """Every series' rows rewritten (and rows of events that are no series removed): (series, rows)."""
    from apps.events.models import Event, EventOccurrence

    ids = list(Event.objects.filter(is_recurring=True).values_list("pk", flat=True).order_by("pk"))
    orphans = set(EventOccurrence.objects.exclude(series_id__in=Event.objects.filter(is_recurring=True))
                  .values_list("series_id", flat=True).distinct())
    rows = 0
    for chunk in _chunks(sorted(set(ids) | orphans), _CHUNK):
        rows += store_occurrences(chunk)
    return len(ids), rows


def on_exception_deleted(sender, instance, origin=None, **kwargs) -> None:
    """``post_delete`` of an exception: its series' rows follow, once per series and deletion.

    Skipped when the exception goes with its series (or calendar): the rows go too.
    """
    from django.db.models import QuerySet

    from apps.events.models import EventException

    direct = isinstance(origin, EventException) or (isinstance(origin, QuerySet) and origin.model is EventException)
    if not direct:
        return
    done = origin.__dict__.setdefault("_occurrences_stored", set())
    if instance.series_id in done:
        return
    done.add(instance.series_id)
    store_occurrences([instance.series_id])


def fill_missing(sender=None, using: str = "default", **kwargs) -> int:
    """After ``migrate`` (and so after a restore): series without stored rows get them, and
    rows behind the horizon are extended. Returns the number of series filled."""
    from django.db.models import Exists, OuterRef

    from apps.events.models import Event, EventOccurrence

    if sender is not None and getattr(sender, "label", None) != "events":
        return 0
    if using != "default":
        return 0
    ids = list(Event.objects.filter(is_recurring=True).exclude(
        Exists(EventOccurrence.objects.filter(series_id=OuterRef("pk")))).values_list("pk", flat=True))
    for chunk in _chunks(ids, _CHUNK):
        store_occurrences(chunk)
    extend_occurrences()
    return len(ids)


def read_window(start: datetime | None, end: datetime | None, *, calendar_ids: Iterable[str] | None = None,
                blocking: bool = False, attendees: Iterable[str] | None = None, unstored_only: bool = False) -> list:
    """Occurrences overlapping [start, end) (either bound may be None), sorted by start: the
    stored rows of the window, plus the part beyond a series' stored horizon expanded lazily.

    ``blocking``: only those that block time (timed, busy, not cancelled, not empty; the rule
    of :mod:`apps.events.blocking`). Reads the series of the rows found and their exceptions
    once each: the cost follows the occurrences in the window, not the number of series.
    ``attendees``: only series naming one of them (lower-cased), on the series or on one of
    its exceptions. ``unstored_only``: only the part beyond the series' stored horizons.
    """
    from django.db.models import F, Q

    from apps.events.blocking import CANCELLED, OPAQUE, blocks_time
    from apps.events.models import Event, EventOccurrence
    from apps.events.recurrence import Occurrence, unstored_occurrences, with_exceptions
    from apps.events.selectors import longest_occurrence

    if attendees is not None:
        named = _series_naming(list(attendees))
        if not named:
            return []
    # No ORDER BY on events: sorted by start, SQLite would walk the events by start instead.
    later = Event.objects.filter(is_recurring=True, occurrences_until__isnull=False).order_by()
    if end is not None:
        later = later.filter(occurrences_until__lt=end)
    if start is not None:
        later = later.filter(Q(series_end__isnull=True) | Q(series_end__gte=start))
    if calendar_ids is not None:
        calendar_ids = list(calendar_ids)
        later = later.filter(calendar_id__in=calendar_ids)
    if blocking:
        later = later.filter(all_day=False, transparency=OPAQUE)
    if attendees is not None:
        later = later.filter(pk__in=named)
    if unstored_only:
        # Only the series stored short of the window (usually none): one read, no stored rows.
        rows = []
        series = {s.pk: s for s in with_exceptions(list(later))}
    else:
        qs = EventOccurrence.objects.order_by()
        if end is not None:
            qs = qs.filter(start_time__lt=end)
        if start is not None:
            qs = qs.filter(Q(end_time__gt=start) | Q(start_time__gte=start), start_time__gte=start - longest_occurrence())
        if calendar_ids is not None:
            qs = qs.filter(calendar_id__in=calendar_ids)
        if blocking:
            qs = qs.filter(all_day=False, transparency=OPAQUE, end_time__gt=F("start_time")).exclude(status=CANCELLED)
        if attendees is not None:
            qs = qs.filter(series_id__in=named)
        rows = list(qs.values_list("series_id", "original_start", "start_time", "end_time"))
        # One read for the series of the rows and those stored short of the window.
        series = {s.pk: s for s in with_exceptions(list(
            Event.objects.filter(Q(pk__in={r[0] for r in rows}) | Q(pk__in=later.values("pk"))).order_by()))}
    if not series:
        return []

    def short_of_window(event) -> bool:  # the conditions of ``later``, on the series read
        if attendees is not None and event.pk not in named:
            return False
        return (event.occurrences_until is not None and (end is None or event.occurrences_until < end)
                and (start is None or event.series_end is None or event.series_end >= start)
                and (calendar_ids is None or event.calendar_id in calendar_ids)
                and (not blocking or (not event.all_day and event.transparency == OPAQUE)))

    unstored = [pk for pk, event in series.items() if short_of_window(event)]
    known = {pk: {e.original_start: e for e in s.exception_list} for pk, s in series.items()}
    found = []
    for series_id, original, s, e in rows:
        event = series.get(series_id)
        if event is not None:
            found.append(Occurrence(event, s, e, original, known[series_id].get(original)))
    for pk in unstored:
        event = series[pk]
        for occ in unstored_occurrences(event, event.occurrences_until, start, end, exceptions=event.exception_list):
            if not blocking or (blocks_time(all_day=event.all_day, status=occ.status,
                                            transparency=event.transparency) and occ.end > occ.start):
                found.append(occ)
    found.sort(key=lambda o: (o.start, o.event.pk, o.original_start))
    return found


def _series_naming(people: list[str]) -> set[int]:
    """Ids of the series naming one of ``people`` (lower-cased): on the series or in an exception's
    attendees (few rows: series only, and exceptions that change attendees)."""
    from apps.events.models import Event, EventException
    from apps.events.scheduling.planning import _attendee_clause, attendee_set

    wanted = {p.strip().lower() for p in people if p}
    if not wanted:
        return set()
    clause = _attendee_clause(sorted(wanted))
    series = Event.objects.filter(is_recurring=True).order_by()
    if clause is not None:
        ids = set(series.extra(where=[clause[0]], params=clause[1]).values_list("pk", flat=True))
    else:
        ids = {pk for pk, names in series.values_list("pk", "attendees") if attendee_set(names) & wanted}
    for series_id, overrides in EventException.objects.filter(overrides__has_key="attendees").values_list(
            "series_id", "overrides"):
        if attendee_set((overrides or {}).get("attendees")) & wanted:
            ids.add(series_id)
    return ids
