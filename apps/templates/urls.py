from __future__ import annotations

from rest_framework.routers import SimpleRouter

from apps.templates.api import TemplateViewSet

router = SimpleRouter(trailing_slash=False)
router.register("templates", TemplateViewSet, basename="template")

urlpatterns = [*router.urls]
