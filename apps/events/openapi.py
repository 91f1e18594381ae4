"""OpenAPI description of the events and scheduling endpoints (see ``apps.core.openapi``).

The event views answer with plain dicts (``serializers.event_dict`` and friends) for speed; the
serializers here only describe those answers, field for field.
"""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers

from apps.core.openapi import ERROR, IDEMPOTENCY_KEY, document, error
from apps.events import api
from apps.events.models import Event, Mode
from apps.events.scheduling import api as scheduling_api
from apps.events.selectors import DIRECTIONS, RANGES

ID = OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH, description="The event id.")
SUB_TASK_ID = OpenApiParameter("sub_task_id", OpenApiTypes.INT, OpenApiParameter.PATH, description="The sub-task id.")


class InstantFieldSchema(OpenApiSerializerFieldExtension):
    target_class = "apps.events.serializers.InstantField"

    def map_serializer_field(self, auto_schema, direction):
        return {"type": "string", "description": "ISO 8601 date-time with a UTC offset (`Z` or `+01:00`); "
                "a date `YYYY-MM-DD` for all-day events."}


class SubTaskOut(serializers.Serializer):
    id = serializers.IntegerField()
    text = serializers.CharField()
    completed = serializers.BooleanField()
    created_at = serializers.DateTimeField()
    completed_at = serializers.DateTimeField(allow_null=True)
    position = serializers.IntegerField()


class Slot(serializers.Serializer):
    start_time = serializers.DateTimeField()
    end_time = serializers.DateTimeField()


@extend_schema_field({"oneOf": [{"type": "integer"}, {"type": "string", "pattern": r"^\d+_\d{8}(T\d{6}Z)?$"}]})
class EventIdField(serializers.Field):
    """A stored event's integer id, or an occurrence's ``"<series id>_<UTC start>"``."""


class EventOut(serializers.Serializer):
    """An event as every events endpoint answers it (UTC with ``Z``; all-day events as dates)."""

    id = EventIdField()
    calendar_id = serializers.CharField()
    external_id = serializers.CharField(allow_blank=True)
    title = serializers.CharField()
    description = serializers.CharField(allow_blank=True)
    location = serializers.CharField(allow_blank=True)
    start_time = serializers.CharField(help_text="UTC date-time with Z; the start date for all-day events.")
    end_time = serializers.CharField(help_text="UTC date-time with Z; the (exclusive) end date for all-day events.")
    all_day = serializers.BooleanField()
    start_date = serializers.DateField(allow_null=True)
    end_date = serializers.DateField(allow_null=True, help_text="Exclusive.")
    timezone = serializers.CharField()
    priority = serializers.ChoiceField(choices=Event.Priority.choices)
    event_type = serializers.ChoiceField(choices=Event.EventType.choices)
    status = serializers.ChoiceField(choices=Event.Status.choices)
    tags = serializers.ListField(child=serializers.CharField())
    attendees = serializers.ListField(child=serializers.CharField())
    mode = serializers.ChoiceField(choices=Mode.choices)
    sub_tasks = SubTaskOut(many=True)
    all_done = serializers.BooleanField()
    conflicts = serializers.ListField(child=EventIdField(), help_text="Ids of overlapping events and occurrences.")
    recurrence = serializers.ListField(child=serializers.CharField(), help_text="RFC 5545 lines of a series.")
    recurring_event_id = serializers.IntegerField(allow_null=True, help_text="The series of an occurrence.")
    original_start_time = serializers.CharField(allow_null=True, help_text="An occurrence's unmodified start.")
    plugin_error = serializers.CharField(allow_null=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    suggestions = Slot(many=True, required=False, help_text="auto_plan mode on a collision: the next free slots.")


class CreatedRef(serializers.Serializer):
    type = serializers.ChoiceField(choices=["command", "note", "url"])
    id = serializers.IntegerField()


class Consumed(serializers.Serializer):
    consumed_by = serializers.CharField(help_text="The plugin that consumed the entry.")
    created = CreatedRef()


class SubTaskAnswerEvent(serializers.Serializer):
    id = serializers.IntegerField()
    all_done = serializers.BooleanField()
    status = serializers.ChoiceField(choices=Event.Status.choices)


class SubTaskAnswer(SubTaskOut):
    event = SubTaskAnswerEvent()


# ``text`` and/or ``completed``: at least one of them.
SUB_TASK_PATCH = {
    "type": "object",
    "properties": {
        "text": {"type": "string", "minLength": 1, "maxLength": 500, "pattern": r"^[^\x00]*[^\s\x00][^\x00]*$"},
        "completed": {"type": "boolean"},
    },
    "anyOf": [{"required": ["text"]}, {"required": ["completed"]}],
}


class Reorder(serializers.Serializer):
    order = serializers.ListField(child=serializers.IntegerField(), help_text="Sub-task ids in their new order.")


class EventLinks(serializers.Serializer):
    event_id = serializers.IntegerField()
    items = serializers.ListField(child=serializers.DictField())
    total_count = serializers.IntegerField()


class RescheduledOut(EventOut):
    rescheduled = serializers.BooleanField()


DUPLICATE = error(409, "Another event of the calendar has this external_id, or the calendar is a read-only "
                       "iCalendar subscription (its entries change only in the feed).")
READ_ONLY = error(409, "The event belongs to a read-only iCalendar subscription (it changes only in the feed).")
LIST_PARAMETERS = [
    OpenApiParameter("calendar", str, description="Calendar ids, comma-separated."),
    OpenApiParameter("anchor", OpenApiTypes.DATE, description="Day the window starts from (default today)."),
    OpenApiParameter("range", int, enum=list(RANGES), description="Days; -1 for no time limit."),
    OpenApiParameter("direction", str, enum=list(DIRECTIONS), description="Default future."),
    OpenApiParameter("q", str, description="Full-text search over title, description, location and tags."),
    OpenApiParameter("tz", str, description="IANA zone of the anchor (default UTC)."),
    OpenApiParameter("start", str, description="Explicit window start, ISO 8601 with offset (overrides anchor/range)."),
    OpenApiParameter("end", str, description="Explicit window end, ISO 8601 with offset."),
    OpenApiParameter("status", str, description="Statuses, comma-separated."),
    OpenApiParameter("tag", str),
]

document(
    api.EventViewSet,
    list=extend_schema(summary="List events in a window", parameters=LIST_PARAMETERS,
                       responses=EventOut(many=True)),
    create=extend_schema(
        summary="Create an event (through the plugin pipeline)",
        request=api.EventInputSerializer,
        responses={
            201: EventOut,
            409: DUPLICATE,
            202: OpenApiResponse(Consumed, description="An ACTION:/NOTIZ:/URL: entry was consumed."),
            400: error(400, "Invalid input, or a command entry the whitelist refuses (`rejected_by` names it)."),
        },
    ),
    retrieve=extend_schema(parameters=[ID], responses=EventOut),
    update=extend_schema(parameters=[ID], request=api.EventInputSerializer, responses={200: EventOut, 409: DUPLICATE}),
    partial_update=extend_schema(parameters=[ID], request=api.EventInputSerializer,
                                 responses={200: EventOut, 409: DUPLICATE}),
    destroy=extend_schema(parameters=[ID], responses={204: None, 409: READ_ONLY}),
    links=extend_schema(parameters=[ID], responses=EventLinks),
    sub_tasks=extend_schema(parameters=[ID, IDEMPOTENCY_KEY], request=api.SubTaskInput,
                            responses={201: SubTaskAnswer, 409: ERROR, 422: ERROR}),
    sub_task_detail=extend_schema(parameters=[ID, SUB_TASK_ID], request={"application/json": SUB_TASK_PATCH},
                                  responses={200: SubTaskAnswer, 204: None}),
    reorder_sub_tasks=extend_schema(parameters=[ID], request=Reorder, responses=EventOut),
    instances=extend_schema(
        summary="The occurrences of one series",
        parameters=[ID, OpenApiParameter("start", str, description="Window start, ISO 8601 with offset."),
                    OpenApiParameter("end", str, description="Window end, ISO 8601 with offset.")],
        responses=EventOut(many=True)),
)

document(
    api.IcsExportView,
    get=extend_schema(
        summary="Export events as iCalendar (RFC 5545)",
        parameters=[
            OpenApiParameter("calendar", str, description="One calendar id; all calendars without it."),
            OpenApiParameter("start", str, description="ISO 8601 with offset."),
            OpenApiParameter("end", str, description="ISO 8601 with offset."),
            OpenApiParameter("tz", str),
        ],
        responses={(200, "text/calendar"): OpenApiTypes.STR, 400: ERROR, 404: error(404, "No such calendar.")},
    ),
)


class AvailabilityPeriod(serializers.Serializer):
    start_time = serializers.DateTimeField()
    end_time = serializers.DateTimeField()
    available = serializers.BooleanField(allow_null=True, help_text="null: the attendee's calendar could not be read.")
    conflicts = serializers.ListField(child=serializers.IntegerField())
    external_busy = serializers.BooleanField(required=False)


class AttendeeAvailability(serializers.Serializer):
    attendee = serializers.CharField()
    status = serializers.ChoiceField(choices=["known", "unknown"])
    source = serializers.ChoiceField(choices=["local", "google"])
    slots = AvailabilityPeriod(many=True)
    error = serializers.CharField(required=False)


class CalendarAvailability(serializers.Serializer):
    calendar_id = serializers.CharField()
    slots = AvailabilityPeriod(many=True)


class AvailabilityOut(serializers.Serializer):
    start_time = serializers.DateTimeField()
    end_time = serializers.DateTimeField()
    duration_minutes = serializers.IntegerField()
    timezone = serializers.CharField()
    attendees = AttendeeAvailability(many=True)
    calendars = CalendarAvailability(many=True)
    common_free = Slot(many=True)
    unknown = serializers.ListField(child=serializers.CharField())
    complete = serializers.BooleanField()


document(scheduling_api.AvailabilityView,
         post=extend_schema(request=scheduling_api.AvailabilityInput, responses=AvailabilityOut))

document(
    scheduling_api.RescheduleView,
    post=extend_schema(parameters=[ID], request=scheduling_api.RescheduleInput, responses={200: RescheduledOut, 409: ERROR}),
)


class ProductivityOut(serializers.Serializer):
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    calendars = serializers.ListField(child=serializers.CharField(), allow_null=True)
    timezone = serializers.CharField()
    totals = serializers.DictField()
    hours_by_calendar = serializers.DictField(child=serializers.FloatField())
    hours_by_tag = serializers.DictField(child=serializers.FloatField())
    hours_by_type = serializers.DictField(child=serializers.FloatField())
    meeting_load = serializers.JSONField()
    tasks = serializers.DictField()
    checklists = serializers.DictField()
    conflicts = serializers.DictField()
    focus_blocks = serializers.JSONField()


WINDOW_HELP = "YYYY-MM-DD (a local day in the calendar's zone) or an ISO date-time with offset."

document(
    scheduling_api.ProductivityView,
    get=extend_schema(
        parameters=[
            OpenApiParameter("start", str, description=WINDOW_HELP + " Default: six days ago."),
            OpenApiParameter("end", str, description=WINDOW_HELP + " A date is inclusive. Default: today."),
            OpenApiParameter("calendar", str, description="Calendar ids, comma-separated."),
        ],
        responses=ProductivityOut,
    ),
)


class OptimizeOut(serializers.Serializer):
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    calendars = serializers.ListField(child=serializers.CharField(), allow_null=True)
    timezone = serializers.CharField()
    settings = serializers.DictField()
    counts = serializers.DictField(child=serializers.IntegerField())
    suggestions = serializers.ListField(child=serializers.DictField())


document(scheduling_api.OptimizeView, post=extend_schema(request=scheduling_api.OptimizeInput, responses=OptimizeOut))
