"""The admin site: the index is the dashboard; the menu is ordered by what people do.

Task-queue tables, heartbeats, pending pushes and other internals sit in one "Operations"
group that only superusers see.
"""

from __future__ import annotations

from django.contrib import admin
from django.urls import path

# What people use, in this order (app label -> position); anything unlisted follows.
ORDER = ["events", "commands", "whitelists", "workflows", "templates", "integrations", "backups", "sync",
         "audit", "core", "auth"]
# Internals: shown only to superusers, all under "Operations".
OPERATIONS = {"django_q.failure", "django_q.ormq", "django_q.schedule", "django_q.success", "core.heartbeat",
              "sync.pendingpush", "sync.syncstate", "sync.syncrun"}


class ChronosAdminSite(admin.AdminSite):
    site_header = "Chronos"
    site_title = "Chronos admin"
    index_title = "Dashboard"
    index_template = "dashboard/index.html"

    def get_app_list(self, request, app_label=None):
        apps = super().get_app_list(request, app_label)
        if app_label is not None:
            return apps
        operations = []
        kept = []
        for app in apps:
            models = []
            for model in app["models"]:
                key = f"{app['app_label']}.{model['object_name'].lower()}"
                if key in OPERATIONS:
                    model = {**model, "name": f"{model['name']} ({app['name']})"}
                    operations.append(model)
                else:
                    models.append(model)
            if models:
                kept.append({**app, "models": models})
        kept.sort(key=lambda app: (ORDER.index(app["app_label"]) if app["app_label"] in ORDER else len(ORDER),
                                   app["name"]))
        if operations and request.user.is_superuser:
            kept.append({"name": "Operations", "app_label": "operations", "app_url": "", "has_module_perms": True,
                         "models": sorted(operations, key=lambda m: m["name"])})
        return kept

    def index(self, request, extra_context=None):
        from apps.dashboard import tiles

        context = {**(extra_context or {}), "dashboard": tiles.dashboard(request)}
        return super().index(request, extra_context=context)

    def get_urls(self):
        from apps.dashboard import integrations, views

        return [
            path("calendar/", self.admin_view(views.calendar_page), name="dashboard_calendar"),
            path("integrations-status/", self.admin_view(integrations.integrations_page), name="dashboard_integrations"),
            path("calendar/events.json", self.admin_view(views.calendar_events), name="dashboard_calendar_events"),
            path("calendar/move/<int:event_id>/", self.admin_view(views.calendar_move), name="dashboard_calendar_move"),
            *super().get_urls(),
        ]


