"""``/api/v1/events`` and friends: calendars, sub-tasks, links, notes, URLs, iCalendar export."""

from __future__ import annotations

import itertools
from dataclasses import replace

from django.db import IntegrityError, transaction
from django.http import HttpResponse
from rest_framework import exceptions, mixins, renderers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.exceptions import Conflict
from apps.core.idempotency import IdempotentCreateMixin, idempotent
from apps.core.lookups import IdLookupMixin, path_id
from apps.core.pagination import PagePagination
from apps.core.renderers import JSONRenderer
from apps.core.timefmt import iso_z
from apps.events import selectors, services
from apps.events.ics import export_calendar
from apps.events.models import Calendar, Event, EventException, EventLink, Note, SubTask, UrlPayload
from apps.events.recurrence import (
    is_occurrence,
    iter_occurrences,
    occurrence_at,
    original_start_of,
    split_instance_id,
)
from apps.events.recurrence import (
    series_in_window as recurrence_series_in_window,
)
from apps.events.selectors import OccurrenceRow
from apps.events.serializers import (
    CalendarSerializer,
    EventInputSerializer,
    EventLinkSerializer,
    NoteSerializer,
    OccurrenceInputSerializer,
    SubTaskInput,
    UrlPayloadSerializer,
    conflicts_of,
    event_dict,
    occurrence_dict,
    render_rows,
    sub_task_dict,
)
from apps.ingest.pipeline import IncomingEvent
from apps.ingest.services import IngestStatus, ingest


class EventPagination(PagePagination):
    """The shared envelope; the total comes from a version-keyed count cache, or for free."""

    def paginate_queryset(self, queryset, request, view=None):
        offset, limit, page = self.window(request)
        self.page, self.page_size = page, limit
        rows = list(queryset[offset : offset + limit])
        if rows and len(rows) < limit:
            # The last page: the total is known without counting.
            self.total_count = offset + len(rows)
        elif not rows and offset == 0:
            self.total_count = 0
        else:
            self.total_count = queryset.count()
        if offset and offset >= self.total_count:
            raise exceptions.NotFound(f"Page {page} is beyond the last page ({self.total_count} items).")
        return rows


class OccurrencePage:
    """One series' occurrences, sliced lazily (a never-ending rule pages without expanding ahead)."""

    def __init__(self, event: Event, start, end) -> None:
        self.event, self.start, self.end = event, start, end
        self.exceptions = list(event.exceptions.all())

    def _iter(self):
        return iter_occurrences(self.event, self.start, self.end, exceptions=self.exceptions)

    def __getitem__(self, item: slice):
        return list(itertools.islice(self._iter(), item.start or 0, item.stop))

    def count(self) -> int:
        return sum(1 for _ in self._iter())


class RowQuery:
    """Slicing yields :class:`EventRow` objects; counting goes to the (cached) query count."""

    def __init__(self, query: selectors.EventQuery) -> None:
        self.query = query

    def __getitem__(self, item: slice):
        return self.query.page(item.start or 0, item.stop - (item.start or 0))

    def count(self) -> int:
        return self.query.count()


def _with_related(queryset):
    return queryset.select_related("calendar").prefetch_related("sub_tasks")


def _suggestions_for(event: Event) -> list[dict] | None:
    if event.effective_mode != "auto_plan":
        return None
    from apps.events.scheduling.planning import conflicts_for, suggest_slots

    if not conflicts_for(event):
        return None

    return [{"start_time": iso_z(s["start_time"]) if hasattr(s["start_time"], "tzinfo") else s["start_time"],
             "end_time": iso_z(s["end_time"]) if hasattr(s["end_time"], "tzinfo") else s["end_time"]}
            for s in suggest_slots(event)]


def refuse_read_only(calendar_id: str | None, calendar: Calendar | None = None) -> None:
    """409 for a change to an entry of a subscribed feed: it changes only at its source."""
    if calendar is None and calendar_id:
        calendar = Calendar.objects.filter(pk=calendar_id).only("id", "source").first()
    if calendar is not None and calendar.read_only:
        raise Conflict(f"Calendar {calendar.id!r} is a read-only iCalendar subscription: its entries change only "
                       "in the feed they come from.")


class EventViewSet(viewsets.ViewSet):
    """Events: the windowed list of the contract, create through the plugin pipeline, CRUD."""

    required_scopes = {
        "list": "events.read",
        "retrieve": "events.read",
        "links": "events.read",
        "create": "events.write",
        "update": "events.write",
        "partial_update": "events.write",
        "destroy": "events.write",
        "instances": "events.read",
        "sub_tasks": "events.write",
        "sub_task_detail": "events.write",
        "reorder_sub_tasks": "events.write",
    }
    pagination_class = EventPagination

    def _event(self, pk) -> Event:
        event = _with_related(Event.objects.filter(pk=path_id(pk, "event"))).first()
        if event is None:
            raise exceptions.NotFound("No event with this id.")
        return event

    def _answer(self, event: Event, *, code: int = 200, suggestions: list | None = None,
                fresh: bool = False) -> Response:
        if fresh:
            # Just created without a checklist: nothing to read back.
            body = event_dict(event, conflicts_of([event]), sub_tasks=[])
        else:
            event = _with_related(Event.objects.filter(pk=event.pk)).first() or event
            body = event_dict(event, conflicts_of([event]))
        body.update(services.answer_extras(event))
        if suggestions:
            body["suggestions"] = suggestions
        return Response(body, status=code)

    def list(self, request):
        queryset = selectors.list_events(request.query_params)
        paginator = self.pagination_class()
        rows = paginator.paginate_queryset(RowQuery(queryset), request, view=self)
        return paginator.get_paginated_response(render_rows(rows, version=queryset.version))

    @idempotent
    def create(self, request):
        serializer = EventInputSerializer(data=request.data, context={
            "default_calendar": services.default_calendar_id()})
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        refuse_read_only(data.get("calendar_id") or services.default_calendar_id(), serializer.calendar)
        incoming = IncomingEvent(
            title=data["title"], start_time=data["start_time"], end_time=data["end_time"],
            calendar_id=data.get("calendar_id") or services.default_calendar_id(), source="api",
            description=data.get("description", ""), location=data.get("location", ""),
            all_day=data["all_day"], start_date=data.get("start_date"), end_date=data.get("end_date"),
            timezone=data["timezone"], external_id=data.get("external_id", ""),
            attendees=list(data.get("attendees", [])), tags=list(data.get("tags", [])),
            transparency=data.get("transparency") or Event.Transparency.OPAQUE,
        )
        extra = {name: data.get(name) for name in services.EXTRA_FIELDS}
        extra["sub_tasks"] = [dict(s) for s in data.get("sub_tasks", [])]
        try:
            outcome = ingest(replace(incoming), extra_fields=extra, calendar=serializer.calendar)
        except IntegrityError:
            if serializer.calendar is None:
                raise
            # The calendar read during validation was deleted before the insert committed:
            # once more, reading (or re-creating) it inside the transaction as without it.
            outcome = ingest(incoming, extra_fields=extra)
        if outcome.status == IngestStatus.CONSUMED:
            return Response({"consumed_by": outcome.consumed_by, "created": outcome.created},
                            status=status.HTTP_202_ACCEPTED)
        if outcome.status == IngestStatus.REJECTED:
            return Response({"detail": outcome.rejection, "rejected_by": outcome.rejected_by},
                            status=status.HTTP_400_BAD_REQUEST)
        return self._answer(outcome.event, code=status.HTTP_201_CREATED, suggestions=_suggestions_for(outcome.event),
                            fresh=not extra["sub_tasks"])

    def _occurrence(self, pk):
        """The occurrence an instance id names (``<series id>_<start>``), or None for a plain id."""
        named = split_instance_id(pk)
        if named is None:
            return None
        series_id, stamp = named
        series = _with_related(Event.objects.filter(pk=series_id, is_recurring=True)).first()
        original = original_start_of(series, stamp) if series is not None else None
        if original is None:
            raise exceptions.NotFound("No occurrence with this id.")
        exception = EventException.objects.filter(series=series, original_start=original).first()
        if exception is None and not is_occurrence(series, original):
            raise exceptions.NotFound("No occurrence with this id.")
        return occurrence_at(series, original, exception)

    def _occurrence_answer(self, occ) -> Response:
        conflicts = conflicts_of([OccurrenceRow(occ)])
        return Response(occurrence_dict(occ, conflicts))

    def retrieve(self, request, pk=None):
        occ = self._occurrence(pk)
        if occ is not None:
            return self._occurrence_answer(occ)
        return self._answer(self._event(pk))

    def _update_occurrence(self, request, occ) -> Response:
        refuse_read_only(occ.event.calendar_id, occ.event.calendar)
        body = OccurrenceInputSerializer(data=request.data, context={"occurrence": occ})
        body.is_valid(raise_exception=True)
        exception = services.change_occurrence(series=occ.event, original_start=occ.original_start,
                                               data=dict(body.validated_data))
        return self._occurrence_answer(occurrence_at(occ.event, occ.original_start, exception))

    def _update(self, request, pk, *, partial: bool) -> Response:
        occ = self._occurrence(pk)
        if occ is not None:
            return self._update_occurrence(request, occ)
        event = self._event(pk)
        refuse_read_only(event.calendar_id, event.calendar)
        serializer = EventInputSerializer(event, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        if data.get("calendar_id") and data["calendar_id"] != event.calendar_id:
            refuse_read_only(data["calendar_id"])
        if "sub_tasks" in data:
            data["sub_tasks"] = [dict(s) for s in data["sub_tasks"]]
        if event.is_recurring or data.get("recurrence"):
            event = services.update_series(event=event, data=data)
        else:
            event = services.update_event(event=event, data=data)
        return self._answer(event, suggestions=_suggestions_for(event))

    def update(self, request, pk=None):
        return self._update(request, pk, partial=False)

    def partial_update(self, request, pk=None):
        return self._update(request, pk, partial=True)

    def destroy(self, request, pk=None):
        occ = self._occurrence(pk)
        if occ is not None:
            refuse_read_only(occ.event.calendar_id, occ.event.calendar)
            services.change_occurrence(series=occ.event, original_start=occ.original_start,
                                       data={"status": Event.Status.CANCELLED.value})
            return Response(status=status.HTTP_204_NO_CONTENT)
        event = self._event(pk)
        refuse_read_only(event.calendar_id, event.calendar)
        event.delete()
        return Response(status=status.HTTP_204_NO_CONTENT)

    @action(detail=True, methods=["get"])
    def instances(self, request, pk=None):
        """``GET /events/{series id}/instances?start=&end=``: the occurrences of one series."""
        event = self._event(pk)
        window = selectors.window_from_params(request.query_params) if (
            request.query_params.get("start") or request.query_params.get("end")) else selectors.Window(None, None)
        end = window.end
        if end is None and not event.series_end and event.is_recurring:
            end = selectors.listing_horizon()
        paginator = PagePagination()
        page = paginator.paginate_queryset(OccurrencePage(event, window.start, end), request, view=self)
        conflicts = conflicts_of([OccurrenceRow(o) for o in page])
        return paginator.get_paginated_response([occurrence_dict(o, conflicts) if event.is_recurring
                                                 else event_dict(event, conflicts_of([event])) for o in page])

    @action(detail=True, methods=["get"])
    def links(self, request, pk=None):
        event = self._event(pk)
        links = EventLink.objects.filter(source_id=event.pk) | EventLink.objects.filter(target_id=event.pk)
        data = EventLinkSerializer(links.order_by("id"), many=True).data
        return Response({"event_id": event.pk, "items": data, "total_count": len(data)})

    @action(detail=True, methods=["post"], url_path="sub_tasks")
    def sub_tasks(self, request, pk=None):
        return self._add_sub_task(request, pk)

    @idempotent
    def _add_sub_task(self, request, pk):
        event = self._event(pk)
        body = SubTaskInput(data=request.data)
        body.is_valid(raise_exception=True)
        sub = services.add_sub_task(event=event, text=body.validated_data["text"],
                                    completed=body.validated_data.get("completed", False))
        return Response(self._sub_answer(sub), status=status.HTTP_201_CREATED)

    def _sub_answer(self, sub: SubTask) -> dict:
        event = Event.objects.only("id", "all_done", "status").get(pk=sub.event_id)
        return {**sub_task_dict(sub), "event": {"id": event.pk, "all_done": event.all_done, "status": event.status}}

    @action(detail=True, methods=["patch", "delete"], url_path=r"sub_tasks/(?P<sub_task_id>[^/.]+)")
    def sub_task_detail(self, request, pk=None, sub_task_id=None):
        event = self._event(pk)
        sub = SubTask.objects.select_related("event__calendar").filter(
            pk=path_id(sub_task_id, "sub-task"), event_id=event.pk).first()
        if sub is None:
            raise exceptions.NotFound("No sub-task with this id on this event.")
        if request.method == "DELETE":
            services.delete_sub_task(sub=sub)
            return Response(status=status.HTTP_204_NO_CONTENT)
        body = SubTaskInput(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        if "text" not in body.validated_data and "completed" not in request.data:
            raise exceptions.ValidationError({"detail": "Give 'completed' and/or 'text'."})
        sub = services.change_sub_task(sub=sub, text=body.validated_data.get("text"),
                                       completed=body.validated_data.get("completed") if "completed" in request.data
                                       else None)
        return Response(self._sub_answer(sub))

    @action(detail=True, methods=["post"], url_path="sub_tasks/reorder")
    def reorder_sub_tasks(self, request, pk=None):
        event = self._event(pk)
        order = request.data.get("order") if isinstance(request.data, dict) else None
        if not isinstance(order, list) or not all(isinstance(i, int) and not isinstance(i, bool) for i in order):
            raise exceptions.ValidationError({"order": ["A list of sub-task ids."]})
        try:
            services.reorder_sub_tasks(event=event, order=order)
        except ValueError as exc:
            raise exceptions.ValidationError({"order": [str(exc)]}) from None
        return self._answer(event)


class CalendarViewSet(IdempotentCreateMixin, viewsets.ModelViewSet):
    """Calendars: readable with ``events.read``, written with ``admin``."""

    serializer_class = CalendarSerializer
    queryset = Calendar.objects.all()
    filter_backends: list = []
    lookup_value_regex = r"[^/]+"
    required_scopes = {
        "list": "events.read",
        "retrieve": "events.read",
        "create": "admin",
        "update": "admin",
        "partial_update": "admin",
        "destroy": "admin",
    }


class EventLinkViewSet(IdLookupMixin, IdempotentCreateMixin, mixins.CreateModelMixin, mixins.RetrieveModelMixin,
                       mixins.DestroyModelMixin, viewsets.GenericViewSet):
    serializer_class = EventLinkSerializer
    queryset = EventLink.objects.all()
    filter_backends: list = []
    required_scopes = {"retrieve": "events.read", "create": "events.write", "destroy": "events.write"}
    noun = "link"

    def perform_create(self, serializer):
        data = serializer.validated_data
        if EventLink.objects.filter(source_id=data["source_id"], target_id=data["target_id"],
                                    link_type=data["link_type"]).exists():
            raise Conflict("This link exists already.")
        try:
            with transaction.atomic():
                serializer.save()
        except IntegrityError:
            raise Conflict("This link exists already.") from None


class NoteViewSet(IdLookupMixin, viewsets.ReadOnlyModelViewSet):
    """What ``NOTIZ:``/``NOTE:`` entries became, newest first."""

    serializer_class = NoteSerializer
    queryset = Note.objects.order_by("-created_at", "-id")
    filter_backends: list = []
    required_scopes = {"list": "events.read", "retrieve": "events.read"}
    noun = "note"


class UrlPayloadViewSet(IdLookupMixin, viewsets.ReadOnlyModelViewSet):
    """What ``URL:`` entries became, newest first."""

    serializer_class = UrlPayloadSerializer
    queryset = UrlPayload.objects.order_by("-created_at", "-id")
    filter_backends: list = []
    required_scopes = {"list": "events.read", "retrieve": "events.read"}
    noun = "URL"


class ICalendarRenderer(renderers.BaseRenderer):
    media_type = "text/calendar"
    format = "ics"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data if isinstance(data, bytes) else str(data).encode()


class IcsExportView(APIView):
    """``GET /api/v1/events/export.ics?calendar=`` (RFC 5545); ``start``/``end`` narrow it."""

    required_scopes = {"GET": "events.read"}
    renderer_classes = [JSONRenderer, ICalendarRenderer]

    def get(self, request):
        params = request.query_params
        queryset = Event.objects.all()
        calendar = (params.get("calendar") or "").strip()
        if calendar:
            if not Calendar.objects.filter(pk=calendar).exists():
                raise exceptions.NotFound(f"No calendar {calendar!r}.")
            queryset = queryset.filter(calendar_id=calendar)
        if params.get("start") or params.get("end"):
            window = selectors.window_from_params({"start": params.get("start"), "end": params.get("end"),
                                                   "tz": params.get("tz")})
            series = [s.pk for s in recurrence_series_in_window(window.start, window.end)]
            queryset = selectors.in_window(queryset.filter(is_recurring=False), window) | queryset.filter(pk__in=series)
        body = export_calendar(queryset.order_by("start_time", "id"), name=calendar or "chronos")
        response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{calendar or "chronos"}.ics"'
        return response
