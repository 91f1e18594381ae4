from __future__ import annotations

from rest_framework.routers import SimpleRouter

from apps.templates.api import TemplateViewSet
from apps.templates.api_preview import urlpatterns as preview_urlpatterns

router = SimpleRouter(trailing_slash=False)
router.register("templates", TemplateViewSet, basename="template")

urlpatterns = [*router.urls, *preview_urlpatterns]
