from __future__ import annotations

from django.urls import path

from apps.sync.api import SyncCalendarView, SyncHealthView, SyncRunView

urlpatterns = [
    path("sync/calendar", SyncCalendarView.as_view(), name="sync-calendar"),
    path("sync/runs/<str:task_id>", SyncRunView.as_view(), name="sync-run"),
    path("sync/health", SyncHealthView.as_view(), name="sync-health"),
]
