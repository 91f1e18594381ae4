"""Productivity figures computed from stored events over a window.

Everything is derived on request from the events table (nothing is stored): hours per
calendar/tag/type, meeting load per local day, completion of tasks and checklists, conflicts,
and the longest free focus block per working day.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from django.db.models import Count, Max, Q

from apps.core.timefmt import iso_z
from apps.events.blocking import blocks_time
from apps.events.models import Event, SubTask
from apps.events.scheduling.planning import Busy, CalendarRules, _Index, attendee_set, working_windows
from chronos.config import current


@dataclass(frozen=True)
class Row:
    """An event in the analysed window, reduced to the figures' inputs."""

    id: int
    calendar_id: str
    start: datetime
    end: datetime
    all_day: bool
    status: str
    transparency: str
    event_type: str
    priority: str
    tags: tuple[str, ...]
    attendees: frozenset[str]
    title: str

    @property
    def blocking(self) -> bool:
        return (blocks_time(all_day=self.all_day, status=self.status, transparency=self.transparency)
                and self.end > self.start)


def load(start: datetime, end: datetime, calendar_ids: list[str] | None) -> list[Row]:
    longest = Event.objects.aggregate(m=Max("duration_seconds"))["m"] or 0
    qs = Event.objects.filter(start_time__gte=start - timedelta(seconds=longest), start_time__lt=end, end_time__gt=start,
                              is_recurring=False)
    if calendar_ids:
        qs = qs.filter(calendar_id__in=calendar_ids)
    return sorted([*_rows(qs), *_occurrence_rows(start, end, calendar_ids)], key=lambda r: (r.start, id_order(r.id)))


def id_order(value) -> tuple[bool, int | str]:
    """Stored events' integer ids first, then occurrence ids (``<series>_<start>``)."""
    return isinstance(value, str), value


def _occurrence_rows(start: datetime, end: datetime, calendar_ids: list[str] | None) -> list[Row]:
    """Each occurrence of the series in the window as one row (id: the instance id)."""
    from apps.events.recurrence import window_occurrences

    return [Row(o.instance_id, o.event.calendar_id, o.start, o.end, o.event.all_day, o.status,
                o.value("transparency"), o.value("event_type"), o.value("priority"),
                tuple(t for t in (o.value("tags") or ()) if isinstance(t, str)), attendee_set(o.value("attendees")),
                o.value("title"))
            for o in window_occurrences(start, end, calendar_ids=calendar_ids or None)]


def _rows(qs) -> list[Row]:
    fields = ("id", "calendar_id", "start_time", "end_time", "all_day", "status", "transparency", "event_type",
              "priority", "tags", "attendees", "title")
    return [
        Row(i, c, s, e, ad, st, tr, et, pr, tuple(t for t in (tg or ()) if isinstance(t, str)), attendee_set(at), ti)
        for i, c, s, e, ad, st, tr, et, pr, tg, at, ti in qs.order_by("start_time", "id").values_list(*fields)
    ]


def clipped_hours(row: Row, start: datetime, end: datetime) -> float:
    seconds = (min(row.end, end) - max(row.start, start)).total_seconds()
    return max(seconds, 0.0) / 3600


def merge(intervals: list[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    out: list[tuple[datetime, datetime]] = []
    for s, e in sorted(intervals):
        if out and s <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], e))
        else:
            out.append((s, e))
    return out


def local_days(start: datetime, end: datetime, tz) -> list[tuple[date, datetime, datetime]]:
    """Local days touching [start, end) as (date, day start, day end) clipped to the window."""
    out = []
    day = start.astimezone(tz).date()
    last = (end - timedelta(microseconds=1)).astimezone(tz).date()
    while day <= last:
        ds = datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)
        de = datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz).astimezone(UTC)
        out.append((day, max(ds, start), min(de, end)))
        day += timedelta(days=1)
    return out


def meeting_types() -> set[str]:
    return set(current().scheduling.meeting_types)


def conflict_pairs(rows: list[Row]) -> list[tuple[int, int]]:
    """Unordered pairs of blocking events that collide (same calendar or a shared attendee)."""
    busy = [Busy(r.id, r.calendar_id, r.start, r.end, r.attendees) for r in rows if r.blocking]
    index = _Index(busy)
    pairs: set[tuple[int, int]] = set()
    for r in busy:
        buckets = [index.by_calendar.get(r.calendar_id, [])] + [index.by_attendee.get(a, []) for a in r.attendees]
        for bucket in buckets:
            for other in index.overlapping(bucket, r.start, r.end):
                if other.id != r.id:
                    pairs.add((min(r.id, other.id, key=id_order), max(r.id, other.id, key=id_order)))
    return sorted(pairs, key=lambda p: (id_order(p[0]), id_order(p[1])))


def free_blocks(rules: CalendarRules, rows: list[Row], start: datetime, end: datetime
                ) -> dict[date, list[tuple[datetime, datetime]]]:
    """Free periods inside working hours per local day (busy = every blocking event)."""
    busy = merge([(r.start, r.end) for r in rows if r.blocking])
    out: dict[date, list[tuple[datetime, datetime]]] = defaultdict(list)
    for ws, we in working_windows(rules.hours, rules.tz, start, end):
        cursor = ws
        for bs, be in busy:
            if be <= cursor or bs >= we:
                continue
            if bs > cursor:
                out[ws.astimezone(rules.tz).date()].append((cursor, bs))
            cursor = max(cursor, be)
        if cursor < we:
            out[ws.astimezone(rules.tz).date()].append((cursor, we))
    return out


def _rate(done: int, total: int) -> float | None:
    return round(done / total, 4) if total else None


def productivity(*, start: datetime, end: datetime, calendar_ids: list[str] | None, rules: CalendarRules) -> dict:
    rows = load(start, end, calendar_ids)
    live = [r for r in rows if r.status != Event.Status.CANCELLED]
    timed = [r for r in live if not r.all_day and r.end > r.start]
    # Hours, meeting load, conflicts and focus blocks count busy time: free entries are left out.
    busy = [r for r in timed if r.blocking]

    by_calendar: dict[str, float] = defaultdict(float)
    by_tag: dict[str, float] = defaultdict(float)
    by_type: dict[str, float] = defaultdict(float)
    for r in busy:
        h = clipped_hours(r, start, end)
        by_calendar[r.calendar_id] += h
        by_type[r.event_type] += h
        for tag in dict.fromkeys(r.tags):
            by_tag[tag] += h

    kinds = meeting_types()
    meetings = [r for r in busy if r.event_type in kinds]
    load_per_day = []
    for day, ds, de in local_days(start, end, rules.tz):
        today = [r for r in meetings if r.start < de and r.end > ds]
        union = merge([(max(r.start, ds), min(r.end, de)) for r in today])
        hours = sum((e - s).total_seconds() for s, e in union) / 3600
        load_per_day.append({"date": day.isoformat(), "meetings": len(today), "hours": round(hours, 2)})

    tasks = [r for r in live if r.event_type == Event.EventType.TASK]
    tasks_done = sum(1 for r in tasks if r.status == Event.Status.COMPLETED)

    live_ids = [r.id for r in live if isinstance(r.id, int)]  # a series' checklist is not per occurrence
    stats = (
        SubTask.objects.filter(event_id__in=live_ids)
        .values("event_id")
        .annotate(total=Count("id"), done=Count("id", filter=Q(completed=True)))
    ) if live_ids else []
    lists_total = lists_done = items_total = items_done = 0
    for s in stats:
        lists_total += 1
        lists_done += int(s["total"] == s["done"])
        items_total += s["total"]
        items_done += s["done"]

    pairs = conflict_pairs(rows)
    blocks = free_blocks(rules, rows, start, end)
    focus = []
    for day, _ds, _de in local_days(start, end, rules.tz):
        if day not in blocks and not rules.hours.get(day.weekday()):
            continue
        best = max(blocks.get(day, []), key=lambda b: (b[1] - b[0], -b[0].timestamp()), default=None)
        minutes = int((best[1] - best[0]).total_seconds() // 60) if best else 0
        focus.append({"date": day.isoformat(), "minutes": minutes,
                      "start_time": iso_z(best[0]) if best else None, "end_time": iso_z(best[1]) if best else None})

    def rounded(values: dict[str, float]) -> dict[str, float]:
        return {k: round(v, 2) for k, v in sorted(values.items())}

    return {
        "start": iso_z(start),
        "end": iso_z(end),
        "calendars": calendar_ids,
        "timezone": rules.tz.key,
        "totals": {
            "events": len(live),
            "timed_events": len(timed),
            "all_day_events": sum(1 for r in live if r.all_day),
            "cancelled_events": len(rows) - len(live),
            "hours": round(sum(clipped_hours(r, start, end) for r in busy), 2),
        },
        "hours_by_calendar": rounded(by_calendar),
        "hours_by_tag": rounded(by_tag),
        "hours_by_type": rounded(by_type),
        "meeting_load": load_per_day,
        "tasks": {"total": len(tasks), "completed": tasks_done, "completion_rate": _rate(tasks_done, len(tasks))},
        "checklists": {
            "total": lists_total, "completed": lists_done, "completion_rate": _rate(lists_done, lists_total),
            "sub_tasks_total": items_total, "sub_tasks_completed": items_done,
            "sub_task_completion_rate": _rate(items_done, items_total),
        },
        "conflicts": {"pairs": len(pairs), "events": len({i for p in pairs for i in p})},
        "focus_blocks": focus,
    }
