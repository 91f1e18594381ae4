"""Rule-based schedule suggestions: the same input always gives the same answer.

Rules (each suggestion names the one that produced it):

- ``conflict``: two events collide; the one to move is the lower priority, then the later
  start, then the higher id; free slots for it are proposed.
- ``meeting_overload``: a day's meeting time (overlaps counted once) exceeds
  ``scheduling.max_meeting_hours_per_day``.
- ``missing_break``: a meeting starts less than ``scheduling.min_break_minutes`` after another
  one ends for the same calendar or a shared attendee.
- ``focus_block``: the longest free period of a working day, when it is at least
  ``scheduling.focus_block_minutes`` long, is worth reserving for focused work.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from apps.core.timefmt import iso_z
from apps.events.models import Event
from apps.events.scheduling.analytics import (
    Row,
    conflict_pairs,
    free_blocks,
    id_order,
    load,
    local_days,
    meeting_types,
    merge,
)
from apps.events.scheduling.planning import CalendarRules, suggest_slots
from chronos.config import current

PRIORITY_RANK = {"LOW": 0, "MEDIUM": 1, "HIGH": 2, "URGENT": 3}
RULE_ORDER = {"conflict": 0, "meeting_overload": 1, "missing_break": 2, "focus_block": 3}


def _mover(a: Row, b: Row) -> Row:
    """The event of a colliding pair that should move."""
    return max((a, b), key=lambda r: (-PRIORITY_RANK.get(r.priority, 1), r.start, id_order(r.id)))


def _conflicts(rows: list[Row], limit: int, rules: CalendarRules) -> list[dict]:
    by_id = {r.id: r for r in rows}
    groups: dict[int, set[int]] = defaultdict(set)
    for a, b in conflict_pairs(rows):
        mover = _mover(by_id[a], by_id[b])
        other = b if mover.id == a else a
        groups[mover.id].add(other)
    events = Event.objects.select_related("calendar").in_bulk([g for g in groups if isinstance(g, int)])
    out = []
    for mover_id, others in groups.items():
        r = by_id[mover_id]
        slots = suggest_slots(events[mover_id], limit=limit) if mover_id in events else []
        out.append({
            "rule": "conflict",
            "date": r.start.astimezone(rules.tz).date().isoformat(),
            "at": r.start,
            "event_ids": [mover_id, *sorted(others, key=id_order)],
            "move_event_id": mover_id,
            "message": f"'{r.title}' collides with {len(others)} other event(s); move it to a free slot.",
            "proposed_slots": [{"start_time": iso_z(s["start_time"]), "end_time": iso_z(s["end_time"])} for s in slots],
        })
    return out


def _related(a: Row, b: Row) -> bool:
    return a.calendar_id == b.calendar_id or bool(a.attendees & b.attendees)


def _meetings(rows: list[Row], start: datetime, end: datetime, rules: CalendarRules) -> list[dict]:
    kinds = meeting_types()
    meetings = [r for r in rows if r.blocking and r.event_type in kinds]
    limit_hours = current().scheduling.max_meeting_hours_per_day
    min_break = timedelta(minutes=current().scheduling.min_break_minutes)
    out = []
    for day, ds, de in local_days(start, end, rules.tz):
        today = [r for r in meetings if r.start < de and r.end > ds]
        hours = sum((e - s).total_seconds() for s, e in merge([(max(r.start, ds), min(r.end, de)) for r in today])) / 3600
        if hours > limit_hours:
            out.append({
                "rule": "meeting_overload", "date": day.isoformat(), "at": ds,
                "event_ids": [r.id for r in today],
                "meeting_hours": round(hours, 2), "limit_hours": limit_hours,
                "message": f"{round(hours, 2)} h of meetings on {day.isoformat()} (limit {limit_hours:g} h).",
            })
    if min_break > timedelta(0):
        for i, a in enumerate(meetings):
            for b in meetings[i + 1:]:
                if b.start >= a.end + min_break:
                    break
                gap = b.start - a.end
                if gap >= timedelta(0) and _related(a, b) and a.end < end and a.end >= start:
                    out.append({
                        "rule": "missing_break", "date": a.end.astimezone(rules.tz).date().isoformat(), "at": a.end,
                        "event_ids": [a.id, b.id], "gap_minutes": int(gap.total_seconds() // 60),
                        "message": f"'{b.title}' starts {int(gap.total_seconds() // 60)} min after '{a.title}' ends; "
                                   f"leave at least {int(min_break.total_seconds() // 60)} min.",
                    })
    return out


def _focus(rows: list[Row], start: datetime, end: datetime, rules: CalendarRules) -> list[dict]:
    minimum = timedelta(minutes=current().scheduling.focus_block_minutes)
    out = []
    for day, blocks in sorted(free_blocks(rules, rows, start, end).items()):
        best = max(blocks, key=lambda b: (b[1] - b[0], -b[0].timestamp()))
        if best[1] - best[0] >= minimum:
            minutes = int((best[1] - best[0]).total_seconds() // 60)
            out.append({
                "rule": "focus_block", "date": day.isoformat(), "at": best[0], "event_ids": [],
                "start_time": iso_z(best[0]), "end_time": iso_z(best[1]), "minutes": minutes,
                "message": f"{minutes} min free on {day.isoformat()}: reserve it for focused work.",
            })
    return out


def suggestions(*, start: datetime, end: datetime, calendar_ids: list[str] | None, rules: CalendarRules) -> dict:
    rows = load(start, end, calendar_ids)
    items = (
        _conflicts(rows, current().scheduling.suggestion_count, rules)
        + _meetings(rows, start, end, rules)
        + _focus(rows, start, end, rules)
    )
    items.sort(key=lambda s: (s["at"], RULE_ORDER[s["rule"]], [id_order(i) for i in s["event_ids"]]))
    for item in items:
        item.pop("at")
    counts: dict[str, int] = defaultdict(int)
    for item in items:
        counts[item["rule"]] += 1
    return {
        "start": iso_z(start),
        "end": iso_z(end),
        "calendars": calendar_ids,
        "timezone": rules.tz.key,
        "settings": {
            "max_meeting_hours_per_day": current().scheduling.max_meeting_hours_per_day,
            "min_break_minutes": current().scheduling.min_break_minutes,
            "focus_block_minutes": current().scheduling.focus_block_minutes,
        },
        "counts": dict(sorted(counts.items())),
        "suggestions": items,
    }
