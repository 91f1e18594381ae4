"""Scheduling routes, mounted under /api/v1/."""

from __future__ import annotations

from django.urls import path

from apps.events.scheduling.api import AvailabilityView, OptimizeView, ProductivityView, RescheduleView

urlpatterns: list = [
    path("availability", AvailabilityView.as_view(), name="availability"),
    path("events/<int:pk>/reschedule", RescheduleView.as_view(), name="event-reschedule"),
    path("analytics/productivity", ProductivityView.as_view(), name="analytics-productivity"),
    path("ai/optimize", OptimizeView.as_view(), name="ai-optimize"),
]
