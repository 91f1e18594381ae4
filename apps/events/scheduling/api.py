"""HTTP endpoints for scheduling: availability, reschedule, productivity analytics, optimize."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from apps.core.exceptions import Conflict
from apps.core.renderers import JSONRenderer
from apps.core.timefmt import iso_z
from apps.events.models import Calendar, Event
from apps.events.scheduling import analytics, availability, optimize
from apps.events.scheduling.planning import CalendarRules, conflicts_for, suggest_slots
from apps.events.scheduling.rescheduling import RescheduleRefused, reject_slot, reschedule
from chronos.config import current


class AwareDateTimeField(serializers.DateTimeField):
    """ISO 8601 with an offset; a naive time is refused rather than guessed."""

    def to_internal_value(self, value):
        if isinstance(value, str):
            try:
                parsed = parse_datetime(value.strip())
            except ValueError:  # well-formed but impossible, e.g. minute 61
                parsed = None
            if parsed is None:
                self.fail("invalid", format="YYYY-MM-DDThh:mm[:ss][+HH:MM|Z]")
            if parsed.tzinfo is None:
                raise serializers.ValidationError("must include a UTC offset (e.g. Z or +01:00)")
        return super().to_internal_value(value)


def _calendars(ids: list[str]) -> list[Calendar]:
    found = Calendar.objects.in_bulk(ids)
    missing = [i for i in ids if i not in found]
    if missing:
        raise serializers.ValidationError({"calendar_ids": [f"unknown calendar: {', '.join(missing)}"]})
    return [found[i] for i in ids]


class AvailabilityInput(serializers.Serializer):
    start_time = AwareDateTimeField()
    end_time = AwareDateTimeField()
    attendees = serializers.ListField(child=serializers.CharField(max_length=320), required=False, default=list,
                                      max_length=200)
    calendar_ids = serializers.ListField(child=serializers.CharField(max_length=64), required=False, default=list,
                                         max_length=50)
    duration_minutes = serializers.IntegerField(min_value=1, max_value=24 * 60)
    slot_minutes = serializers.IntegerField(min_value=5, max_value=24 * 60, required=False)
    working_hours_only = serializers.BooleanField(required=False, default=True)

    def validate(self, data):
        if data["end_time"] <= data["start_time"]:
            raise serializers.ValidationError({"end_time": ["must be after start_time"]})
        max_days = current().scheduling.max_window_days
        if data["end_time"] - data["start_time"] > timedelta(days=max_days):
            raise serializers.ValidationError({"end_time": [f"the window may span at most {max_days} days"]})
        if not data["attendees"] and not data["calendar_ids"]:
            raise serializers.ValidationError({"attendees": ["give at least one attendee or calendar id"]})
        return data


class AvailabilityRenderer(JSONRenderer):
    """Compact JSON of an availability answer without decoding and re-encoding its period lists,
    which are written as JSON text already (a month for twenty people is ~340 KB of periods).
    Everything else, and indented JSON, goes the generic way."""

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if isinstance(data, availability.Answer) and self.get_indent(accepted_media_type, renderer_context or {}) is None:
            return data.to_json()
        return super().render(data, accepted_media_type, renderer_context)


class AvailabilityView(APIView):
    """``POST /api/v1/availability``: slots of a length, free or busy for each attendee/calendar."""

    required_scopes = {"POST": "events.write"}
    # First, so it answers application/json; the configured renderers follow for the rest.
    renderer_classes = [AvailabilityRenderer, *api_settings.DEFAULT_RENDERER_CLASSES]

    def post(self, request):
        data = _valid(AvailabilityInput, request.data)
        attendees = list(dict.fromkeys(a for a in (x.strip().lower() for x in data["attendees"]) if a))
        req = availability.AvailabilityRequest(
            start=data["start_time"].astimezone(UTC),
            end=data["end_time"].astimezone(UTC),
            duration=timedelta(minutes=data["duration_minutes"]),
            attendees=attendees,
            calendars=_calendars(list(dict.fromkeys(data["calendar_ids"]))),
            working_hours_only=data["working_hours_only"],
            step_minutes=data.get("slot_minutes"),
        )
        return Response(availability.compute(req))


def _valid(serializer_class, payload) -> dict:
    if not isinstance(payload, dict):
        raise serializers.ValidationError({"detail": "expected a JSON object"})
    s = serializer_class(data=payload)
    s.is_valid(raise_exception=True)
    return s.validated_data


class RescheduleInput(serializers.Serializer):
    action = serializers.ChoiceField(choices=["confirm", "reject"], required=False, default="confirm")
    start_time = AwareDateTimeField(required=False)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=500, default="")

    def validate(self, data):
        if data["action"] == "confirm" and "start_time" not in data:
            raise serializers.ValidationError({"start_time": ["required to confirm a new slot"]})
        return data


def event_payload(event: Event) -> dict:
    """The event as the events API shows it, with its current conflicts."""
    from apps.events.serializers import event_dict

    return event_dict(event, {event.pk: conflicts_for(event)})


class RescheduleView(APIView):
    """``POST /api/v1/events/{id}/reschedule``: confirm a slot (move, keep the length) or reject it."""

    required_scopes = {"POST": "events.write"}

    def post(self, request, pk: int):
        data = _valid(RescheduleInput, request.data)
        event = get_object_or_404(Event.objects.select_related("calendar"), pk=pk)
        if data["action"] == "reject":
            return self._reject(request, event, data)
        return self._confirm(request, event, data)

    def _reject(self, request, event: Event, data: dict) -> Response:
        reject_slot(event, start_time=data.get("start_time"), reason=data["reason"])
        body = event_payload(event)
        body["rescheduled"] = False
        return Response(body)

    def _confirm(self, request, event: Event, data: dict) -> Response:
        try:
            locked = reschedule(event, data["start_time"])
        except RescheduleRefused as exc:
            if exc.field is None:
                raise Conflict(str(exc)) from None
            raise serializers.ValidationError({exc.field: [str(exc)]}) from None
        body = event_payload(locked)
        body["rescheduled"] = True
        if body["conflicts"] and locked.effective_mode == "auto_plan":
            body["suggestions"] = [
                {"start_time": iso_z(s["start_time"]), "end_time": iso_z(s["end_time"])}
                for s in suggest_slots(locked, limit=current().scheduling.suggestion_count)
            ]
        return Response(body)


def _parse_bound(value: str, tz, *, name: str) -> datetime:
    text = value.strip()
    parsed_dt = parse_datetime(text) if "T" in text or " " in text else None
    if parsed_dt is not None:
        if parsed_dt.tzinfo is None:
            raise serializers.ValidationError({name: ["must include a UTC offset, or be a date YYYY-MM-DD"]})
        return parsed_dt.astimezone(UTC)
    try:
        day = parse_date(text)
    except ValueError:
        day = None
    if day is None:
        raise serializers.ValidationError({name: ["expected YYYY-MM-DD or an ISO date-time with offset"]})
    return datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)


def window_from(start: str | None, end: str | None, tz) -> tuple[datetime, datetime]:
    """[start, end) from query/body values; dates are local midnights, ``end`` date inclusive."""
    today: date = timezone.now().astimezone(tz).date()
    s = _parse_bound(start, tz, name="start") if start else datetime.combine(
        today - timedelta(days=6), time(0), tzinfo=tz).astimezone(UTC)
    if end:
        e = _parse_bound(end, tz, name="end")
        if "T" not in end and " " not in end.strip():
            e = datetime.combine(parse_date(end.strip()) + timedelta(days=1), time(0), tzinfo=tz).astimezone(UTC)
    else:
        e = datetime.combine(today + timedelta(days=1), time(0), tzinfo=tz).astimezone(UTC)
    if e <= s:
        raise serializers.ValidationError({"end": ["must be after start"]})
    max_days = current().scheduling.max_analytics_days
    if e - s > timedelta(days=max_days + 1):
        raise serializers.ValidationError({"end": [f"the window may span at most {max_days} days"]})
    return s, e


def _zone_for(calendars: list[Calendar]):
    if calendars:
        return calendars[0]
    return availability.default_calendar()


class ProductivityView(APIView):
    """``GET /api/v1/analytics/productivity?start=&end=&calendar=``: figures from stored events."""

    required_scopes = {"GET": "events.read"}

    def get(self, request):
        raw = request.query_params.get("calendar", "")
        ids = list(dict.fromkeys(x.strip() for x in raw.split(",") if x.strip()))
        calendars = _calendars(ids) if ids else []
        rules = CalendarRules.of(_zone_for(calendars))
        start, end = window_from(request.query_params.get("start"), request.query_params.get("end"), rules.tz)
        return Response(analytics.productivity(start=start, end=end, calendar_ids=ids or None, rules=rules))


class OptimizeInput(serializers.Serializer):
    start = serializers.CharField()
    end = serializers.CharField()
    calendar_ids = serializers.ListField(child=serializers.CharField(max_length=64), required=False, default=list,
                                         max_length=50)


class OptimizeView(APIView):
    """``POST /api/v1/ai/optimize``: rule-based suggestions, each naming the rule behind it."""

    required_scopes = {"POST": "events.write"}

    def post(self, request):
        data = _valid(OptimizeInput, request.data)
        ids = list(dict.fromkeys(data["calendar_ids"]))
        calendars = _calendars(ids) if ids else []
        rules = CalendarRules.of(_zone_for(calendars))
        start, end = window_from(data["start"], data["end"], rules.tz)
        return Response(optimize.suggestions(start=start, end=end, calendar_ids=ids or None, rules=rules))

