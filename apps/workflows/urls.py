from __future__ import annotations

from apps.workflows.api import router

urlpatterns = router.urls
