"""System check for the backups folder (types, ranges and the cron are checked in chronos.config)."""

from __future__ import annotations

from django.core.checks import Error, register


@register()
def check_backup_folder(app_configs=None, **kwargs) -> list[Error]:
    from apps.backups import paths

    folder = paths.backup_dir()
    if folder.exists() and not folder.is_dir():
        return [Error(f"backups.dir: {folder} exists and is not a folder", id="chronos.E704")]
    return []
