"""Worker entry points (django-q2): backups run here, never inside a web request."""

from __future__ import annotations

from apps.audit.actor import acting_as
from apps.backups import services
from apps.backups.models import Backup


def run_backup(backup_id: int) -> str:
    """Perform a backup queued by the API or the admin; returns its final status."""
    backup = Backup.objects.filter(pk=backup_id).first()
    if backup is None or backup.status not in (Backup.Status.QUEUED, Backup.Status.RUNNING):
        return "skipped"
    with acting_as("worker:backup"):
        return services.create_backup(backup=backup).status


def scheduled_backup() -> str:
    with acting_as("worker:backup"):
        return services.create_backup(trigger=Backup.Trigger.SCHEDULED).status
