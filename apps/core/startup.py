"""What ``start`` does before serving, skipped quickly when there is nothing to do.

``migrate`` loads every migration and checks the schema even when none is pending, and
``collectstatic`` copies and compresses every file again; on a small machine the two cost
seconds of every start. Here each first asks whether it has work.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles.finders import get_finders
from django.core.management import call_command
from django.db import connections
from django.db.migrations.executor import MigrationExecutor

STAMP_NAME = ".collected"


def migrate_if_needed() -> bool:
    """Apply pending migrations; True if there were any."""
    executor = MigrationExecutor(connections["default"])
    if not executor.migration_plan(executor.loader.graph.leaf_nodes()):
        return False
    call_command("migrate", interactive=False, verbosity=0)
    return True


def static_fingerprint() -> str:
    """A hash over the name, size and modification time of every static file the finders see."""
    digest = hashlib.sha256()
    for finder in get_finders():
        for path, storage in finder.list(ignore_patterns=["CVS", ".*", "*~"]):
            stat = Path(storage.path(path)).stat()
            digest.update(f"{path}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def collect_static_if_needed() -> bool:
    """Collect static files unless the last collection saw exactly these files; True if it ran."""
    stamp = Path(settings.STATIC_ROOT) / STAMP_NAME
    fingerprint = static_fingerprint()
    if stamp.is_file() and stamp.read_text() == fingerprint:
        return False
    call_command("collectstatic", interactive=False, verbosity=0)
    stamp.write_text(fingerprint)
    return True
