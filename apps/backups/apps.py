from __future__ import annotations

from django.apps import AppConfig


class BackupsConfig(AppConfig):
    name = "apps.backups"
    label = "backups"
    verbose_name = "Backups"

    def ready(self) -> None:
        from apps.backups import checks, schedules  # noqa: F401  (declares the schedule, registers checks)
