from __future__ import annotations

from django.urls import path
from rest_framework.routers import SimpleRouter

from apps.events.api import (
    CalendarViewSet,
    EventLinkViewSet,
    EventViewSet,
    IcsExportView,
    NoteViewSet,
    UrlPayloadViewSet,
)

router = SimpleRouter(trailing_slash=False)
router.register("events", EventViewSet, basename="event")
router.register("calendars", CalendarViewSet, basename="calendar")
router.register("event-links", EventLinkViewSet, basename="event-link")
router.register("notes", NoteViewSet, basename="note")
router.register("urls", UrlPayloadViewSet, basename="urlpayload")

urlpatterns = [
    # Before the router so "export.ics" is never taken for an event id.
    path("events/export.ics", IcsExportView.as_view(), name="events-export-ics"),
    *router.urls,
]
