"""The nightly backup as a django-q2 cron schedule (evaluated in ``settings.TIME_ZONE``)."""

from __future__ import annotations

from apps.core import schedules
from chronos.config import current

NAME = "chronos.backup"
FUNC = "apps.backups.tasks.scheduled_backup"


def declare() -> None:
    cfg = current().backups
    if cfg.enabled:
        schedules.declare(NAME, FUNC, cron=cfg.schedule)


declare()
