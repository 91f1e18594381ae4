"""System checks that turn bad configuration into one clear line at start."""

from __future__ import annotations

import zoneinfo

from django.conf import settings
from django.core.checks import Error, register


@register()
def check_configuration(app_configs=None, **kwargs) -> list[Error]:
    errors = [Error(message, id="chronos.E001") for message in settings.CHRONOS_CONFIG_ERRORS]
    if not 0 < settings.PORT < 65536:
        errors.append(Error(f"server.port / CHRONOS_PORT: {settings.PORT} is not a TCP port", id="chronos.E002"))
    try:
        zoneinfo.ZoneInfo(settings.TIME_ZONE)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        errors.append(Error(f"server.time_zone: unknown time zone {settings.TIME_ZONE!r}", id="chronos.E003"))
    q = settings.Q_CLUSTER
    if q["retry"] <= q["timeout"]:
        errors.append(
            Error(
                "worker.task_retry_seconds must be larger than worker.task_timeout_seconds "
                "(otherwise a slow task runs twice)",
                id="chronos.E004",
            )
        )
    return errors
