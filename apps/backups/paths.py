"""Where backups and what they carry live on disk, resolved from the typed configuration."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings

from chronos.config import current


def backup_dir() -> Path:
    """``backups.dir``; a relative folder is inside the data dir."""
    path = Path(current().backups.dir).expanduser()
    return path if path.is_absolute() else Path(settings.DATA_DIR) / path


def config_file() -> Path | None:
    """The configuration file in force, if there is one."""
    return Path(current().path) if current().path else None
