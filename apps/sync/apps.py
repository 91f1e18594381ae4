from __future__ import annotations

from django.apps import AppConfig


class SyncConfig(AppConfig):
    name = "apps.sync"
    label = "sync"
    verbose_name = "Calendar sync"

    def ready(self) -> None:
        from apps.core.health import register as register_health
        from apps.sync import receivers, schedules  # noqa: F401  (declares the periodic sync)
        from apps.sync.selectors import health_check

        receivers.connect()
        register_health("sync", health_check)
