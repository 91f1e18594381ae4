"""The calendar page: FullCalendar over one calendar, in that calendar's zone.

FullCalendar runs in UTC mode and is fed wall-clock times of the calendar's zone without an
offset, so it draws exactly what a person in that zone reads; times sent back by drag and
resize are read as wall-clock times of the same zone.
"""

from __future__ import annotations

import json
from datetime import datetime, time, timedelta

from django.http import HttpResponseBadRequest, JsonResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_POST

from apps.commands.models import ActionFiring
from apps.events.models import Calendar, Event
from apps.events.recurrence import window_occurrences
from apps.events.scheduling.planning import conflicts_map, suggest_slots
from apps.events.scheduling.rescheduling import RescheduleRefused, reschedule
from apps.events.selectors import max_duration
from apps.events.timeparse import TimeError, zone
from chronos.config import current

MAX_RANGE = timedelta(days=62)


def _calendar(request) -> Calendar | None:
    wanted = request.GET.get("calendar") or request.POST.get("calendar")
    calendars = Calendar.objects.all()
    if wanted:
        return calendars.filter(pk=wanted).first()
    return calendars.first()


def calendar_page(request):
    from django.contrib import admin

    calendar = _calendar(request)
    context = {
        **admin.site.each_context(request),
        "title": "Calendar",
        "calendars": list(Calendar.objects.values_list("pk", "name")[:500]),
        "calendar": calendar,
        "initial_date": request.GET.get("date", ""),
        "initial_view": request.GET.get("view", "timeGridWeek"),
    }
    return TemplateResponse(request, "dashboard/calendar.html", context)


def _wall(value: str, tz) -> datetime:
    """A FullCalendar bound (UTC-coerced wall-clock time) as an aware time in ``tz``."""
    text = value.strip().replace("Z", "").replace(" ", "+")
    parsed = datetime.fromisoformat(text[:19]) if len(text) >= 19 else datetime.combine(
        datetime.fromisoformat(text[:10]).date(), time())
    return parsed.replace(tzinfo=tz)


def _naive(value: datetime, tz) -> str:
    return value.astimezone(tz).replace(tzinfo=None).isoformat(timespec="minutes")


def calendar_events(request):
    calendar = _calendar(request)
    if calendar is None:
        return JsonResponse([], safe=False)
    tz = zone(calendar.timezone)
    try:
        start, end = _wall(request.GET["start"], tz), _wall(request.GET["end"], tz)
    except (KeyError, ValueError):
        return HttpResponseBadRequest("start and end are required ISO dates")
    if end <= start or end - start > MAX_RANGE:
        return HttpResponseBadRequest("the range must be positive and at most 62 days")
    rows = list(Event.objects.filter(calendar_id=calendar.pk, is_recurring=False,
                                     start_time__gte=start - max_duration(), start_time__lt=end, end_time__gt=start)
                .only("id", "title", "start_time", "end_time", "all_day", "start_date", "end_date", "status",
                      "calendar_id", "attendees", "mode", "timezone", "transparency")
                .order_by("start_time", "id")[:2000])
    conflicts = conflicts_map(rows)
    out = []
    for event in rows:
        item = {"id": event.pk, "title": event.title, "_occurrence": (event.pk, event.start_time),
                "url": reverse("admin:events_event_change", args=[event.pk]),
                "extendedProps": {"status": event.status, "conflicts": conflicts.get(event.pk, [])}}
        if event.all_day and event.start_date:
            item.update(allDay=True, start=event.start_date.isoformat(),
                        end=(event.end_date or event.start_date + timedelta(days=1)).isoformat())
        else:
            item.update(start=_naive(event.start_time, tz), end=_naive(event.end_time, tz))
        classes = []
        if conflicts.get(event.pk):
            classes.append("conflict-event")
        if event.status == Event.Status.CANCELLED:
            classes.append("cancelled-event")
        item["classNames"] = classes
        out.append(item)
    out += [_occurrence_item(o, tz) for o in window_occurrences(start, end, calendar_ids=[calendar.pk])]
    _mark_timed_actions(out, start, end, tz)
    return JsonResponse(out, safe=False)


def _mark_timed_actions(items: list[dict], start: datetime, end: datetime, tz) -> None:
    """Entries with a scheduled timed action in the window carry its time and a marker class."""
    firings = ActionFiring.objects.filter(state=ActionFiring.State.SCHEDULED, occurrence_start__lt=end,
                                          occurrence_start__gte=start - max_duration())
    by_occurrence = {(f.event_id, f.occurrence_start): f for f in firings.only("event_id", "occurrence_start", "fire_at")}
    for item in items:
        firing = by_occurrence.get(item.pop("_occurrence"))
        if firing is not None:
            item["classNames"] = [*item["classNames"], "timed-action"]
            item["extendedProps"]["fires_at"] = _naive(firing.fire_at, tz)


def _occurrence_item(occurrence, tz) -> dict:
    """One occurrence of a series. It opens the series; moving one occurrence is done on the
    series' page (changed or cancelled occurrences), so it is not draggable here."""
    series = occurrence.event
    status = occurrence.value("status")
    item = {"id": occurrence.instance_id, "title": occurrence.value("title"), "editable": False,
            "_occurrence": (series.pk, occurrence.original_start),
            "url": reverse("admin:events_event_change", args=[series.pk]),
            "extendedProps": {"status": status, "conflicts": [], "series": series.pk},
            "classNames": ["series-event", *(["cancelled-event"] if status == Event.Status.CANCELLED else [])]}
    if series.all_day:
        local = zone(series.timezone)
        item.update(allDay=True, start=occurrence.start.astimezone(local).date().isoformat(),
                    end=occurrence.end.astimezone(local).date().isoformat())
    else:
        item.update(start=_naive(occurrence.start, tz), end=_naive(occurrence.end, tz))
    return item


@require_POST
def calendar_move(request, event_id: int):
    """Drag or resize: the same reschedule as the API, audited; auto-plan answers with free slots."""
    event = get_object_or_404(Event.objects.select_related("calendar"), pk=event_id)
    if not request.user.has_perm("events.change_event"):
        return JsonResponse({"detail": "You may not change events."}, status=403)
    try:
        body = json.loads(request.body or b"{}")
        tz = zone(event.calendar.timezone)
        if body.get("all_day") or event.all_day:
            start = datetime.combine(datetime.fromisoformat(body["start"][:10]).date(), time(), zone(event.timezone))
            end = datetime.combine(datetime.fromisoformat(body["end"][:10]).date(), time(),
                                   zone(event.timezone)) if body.get("end") else None
        else:
            start = _wall(body["start"], tz)
            end = _wall(body["end"], tz) if body.get("end") else None
    except (KeyError, ValueError, TypeError, TimeError) as exc:
        return JsonResponse({"detail": f"start/end are required ISO times ({exc})"}, status=400)
    try:
        moved = reschedule(event, start, end)
    except RescheduleRefused as exc:
        return JsonResponse({"detail": str(exc), "field": exc.field}, status=400 if exc.field else 409)
    found = conflicts_map([moved]).get(moved.pk, [])
    answer = {"id": moved.pk, "start": _naive(moved.start_time, tz), "end": _naive(moved.end_time, tz),
              "conflicts": found, "suggestions": []}
    if found and moved.effective_mode == "auto_plan":
        answer["suggestions"] = [{"start": _naive(s["start_time"], tz), "end": _naive(s["end_time"], tz)}
                                 for s in suggest_slots(moved, limit=current().scheduling.suggestion_count)]
    return JsonResponse(answer)
