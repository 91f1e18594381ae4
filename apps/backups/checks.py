"""System checks for the ``backups:`` configuration: a bad cron or folder stops the start."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, register


@register()
def check_backup_configuration(app_configs=None, **kwargs) -> list[Error]:
    from croniter import croniter

    from apps.backups import conf

    errors: list[Error] = []
    section = settings.CHRONOS.get("backups") or {}
    if not isinstance(section, dict):
        return [Error("backups: must be a mapping of keys", id="chronos.E701")]
    cfg = conf.get()
    if not croniter.is_valid(cfg.schedule):
        errors.append(Error(f"backups.schedule: {cfg.schedule!r} is not a cron expression", id="chronos.E702"))
    for key in ("keep_daily", "keep_weekly", "keep_monthly", "compression_level"):
        raw = section.get(key)
        if raw is not None and (isinstance(raw, bool) or not isinstance(raw, int) or raw < 0):
            errors.append(Error(f"backups.{key}: expected a whole number >= 0, got {raw!r}", id="chronos.E703"))
    if cfg.dir.exists() and not cfg.dir.is_dir():
        errors.append(Error(f"backups.dir: {cfg.dir} exists and is not a folder", id="chronos.E704"))
    return errors
