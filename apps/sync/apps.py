from __future__ import annotations

from django.apps import AppConfig


class SyncConfig(AppConfig):
    name = "apps.sync"
    label = "sync"
    verbose_name = "Calendar sync"

    def ready(self) -> None:
        from apps.audit.registry import register as register_audit
        from apps.core.health import register as register_health
        from apps.events.scheduling.availability import provide_external_busy
        from apps.sync import freebusy, receivers, schedules  # noqa: F401  (declares the periodic sync)
        from apps.sync.models import CalendarConnection
        from apps.sync.selectors import health_check

        register_audit(CalendarConnection, exclude=("password_encrypted",), entity="calendar")
        receivers.connect()
        register_health("sync", health_check)
        provide_external_busy(freebusy.query)
