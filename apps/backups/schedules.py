"""The nightly backup as a django-q2 cron schedule (evaluated in ``settings.TIME_ZONE``)."""

from __future__ import annotations

from apps.backups import conf
from apps.core import schedules

NAME = "chronos.backup"
FUNC = "apps.backups.tasks.scheduled_backup"


def declare() -> None:
    cfg = conf.get()
    if cfg.enabled:
        schedules.declare(NAME, FUNC, cron=cfg.schedule)


declare()
