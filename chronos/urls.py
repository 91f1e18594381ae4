"""URL layout: /health, /admin/, /api/v1/<app routes>, /api/schema/, /docs."""

from __future__ import annotations

from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from apps.core.health import health

# Resolved in this order: the hottest routes (command polling, events) come first.
API_APPS = [
    "apps.commands.urls",
    "apps.events.urls",
    "apps.events.scheduling.urls",
    "apps.core.urls",
    "apps.audit.urls",
    "apps.templates.urls",
    "apps.whitelists.urls",
    "apps.workflows.urls",
    "apps.sync.urls",
    "apps.integrations.urls",
    "apps.backups.urls",
]


urlpatterns = [
    path("health", health, name="health"),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="docs"),
    path("", RedirectView.as_view(url="/admin/", permanent=False)),
    *[path("api/v1/", include(module)) for module in API_APPS],
]

handler400 = "apps.core.exceptions.json_400"
handler403 = "apps.core.exceptions.json_403"
handler404 = "apps.core.exceptions.json_404"
handler500 = "apps.core.exceptions.json_500"
