"""``manage.py backup [--verify-only FILE]``: write one backup archive now, or check one."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from apps.backups import services
from apps.backups.models import Backup


class Command(BaseCommand):
    help = "Write a consistent backup archive to the backups folder, or verify an existing archive."

    def add_arguments(self, parser):
        parser.add_argument("--verify-only", metavar="FILE", help="check FILE's hashes and database; write nothing")

    def handle(self, *args, verify_only: str | None = None, **options):
        if verify_only:
            try:
                manifest = services.verify_file(Path(verify_only))
            except services.BackupError as exc:
                raise CommandError(f"{verify_only}: NOT OK: {exc}") from exc
            except OSError as exc:
                raise CommandError(f"{verify_only}: cannot read: {exc}") from exc
            self.stdout.write(f"{verify_only}: OK ({len(manifest.files)} file(s), {manifest.vendor} database, "
                              f"Chronos {manifest.data.get('version', '?')}, taken {manifest.data.get('created_at')})")
            return
        backup = services.create_backup(trigger=Backup.Trigger.MANUAL)
        if backup.status != Backup.Status.OK:
            raise CommandError(f"backup failed: {backup.error}")
        path = services.archive_path(backup.name)
        verified = "verified" if backup.verified else "not verified"
        self.stdout.write(f"wrote {path} ({backup.size} bytes, {verified})")
