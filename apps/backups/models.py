from __future__ import annotations

import re

from django.db import models

# chronos-YYYYmmdd-HHMMSS.zip (UTC), with -N appended when two backups share a second.
NAME_RE = re.compile(r"^chronos-\d{8}-\d{6}(?:-\d{1,3})?\.zip$")


class Backup(models.Model):
    """One backup archive in the backups folder, and how it came to be.

    The row is written before the archive (status ``queued``) so an API caller gets a name
    back at once; the worker fills in size and status. The archive on disk stays the source
    of truth: rows are reconciled with the folder (e.g. after a restore of an older database).
    """

    class Trigger(models.TextChoices):
        MANUAL = "manual", "manual"
        SCHEDULED = "scheduled", "scheduled"

    class Status(models.TextChoices):
        QUEUED = "queued", "queued"
        RUNNING = "running", "running"
        OK = "ok", "ok"
        FAILED = "failed", "failed"

    name = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(db_index=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    size = models.BigIntegerField(default=0, help_text="archive size in bytes")
    trigger = models.CharField(max_length=10, choices=Trigger.choices, default=Trigger.MANUAL)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    vendor = models.CharField(max_length=20, blank=True, default="")
    verified = models.BooleanField(default=False)
    verified_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True, default="")
    pinned = models.BooleanField(default=False, help_text="pinned backups are never pruned")

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.name
