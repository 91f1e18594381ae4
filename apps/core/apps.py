from __future__ import annotations

from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "apps.core"
    label = "core"
    verbose_name = "Core: API keys and health"

    def ready(self) -> None:
        from apps.audit.registry import register
        from apps.core import checks  # noqa: F401  (registers system checks)
        from apps.core.models import ApiKey

        register(ApiKey, exclude=("digest", "previous_digest", "last_used_at"), entity="apikey")
