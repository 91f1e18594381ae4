from __future__ import annotations

from django.urls import path

from apps.commands import api

urlpatterns = [
    path("actions", api.ActionListView.as_view(), name="actions"),
    path("commands", api.CommandListCreateView.as_view(), name="commands"),
    path("commands/<int:pk>/detail", api.CommandDetailView.as_view(), name="command-detail"),
    path("commands/<int:pk>/complete", api.CommandCompleteView.as_view(), name="command-complete"),
    path("commands/<int:pk>/fail", api.CommandFailView.as_view(), name="command-fail"),
    # Last: any other single segment is a system id to poll (system ids are strings like N8N).
    path("commands/<str:system_id>", api.CommandPollView.as_view(), name="command-poll"),
]
