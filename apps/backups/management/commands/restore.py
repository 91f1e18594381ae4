"""``manage.py restore FILE [--force]``: put a backup archive back, after checking it."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from apps.backups.restore import RestoreError, restore


class Command(BaseCommand):
    help = ("Restore a backup archive: verifies it first, keeps the current database as "
            "<db>.pre-restore-<time>, migrates an older schema. Stop the web server and worker first.")
    requires_system_checks: list = []

    def add_arguments(self, parser):
        parser.add_argument("file", help="backup archive (chronos-YYYYmmdd-HHMMSS.zip)")
        parser.add_argument("--force", action="store_true",
                            help="restore even if the web server or worker seems to be running")

    def handle(self, *args, file: str, force: bool = False, **options):
        try:
            restore(Path(file), force=force, out=self.stdout.write)
        except RestoreError as exc:
            raise CommandError(str(exc)) from exc
