"""Sync bookkeeping kept next to (not inside) the calendar and event tables.

The events app owns ``Calendar`` and ``Event``; everything that only matters for keeping a
calendar in step with its source lives here: the incremental token and lease lock per
calendar, one row per sync run, what we last knew of each remote event, and the queue of
local changes waiting to be written back to Google.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from apps.events.models import Calendar


class SyncState(models.Model):
    """Per calendar: the incremental sync token, the last outcome and the lease lock."""

    calendar = models.OneToOneField("events.Calendar", on_delete=models.CASCADE, primary_key=True,
                                    related_name="sync_state")
    sync_token = models.TextField(blank=True, default="")
    last_success_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True, default="")
    last_error_at = models.DateTimeField(null=True, blank=True)
    # Lease lock: taken with a conditional UPDATE, so it survives nothing but its expiry.
    lock_owner = models.CharField(max_length=64, blank=True, default="")
    lock_expires_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "sync state"

    def __str__(self) -> str:
        return f"sync state of {self.calendar_id}"

    @property
    def current_error(self) -> str:
        """The last error while no sync has succeeded since (the column keeps it after a success)."""
        if not self.last_error:
            return ""
        if self.last_success_at and self.last_error_at and self.last_success_at > self.last_error_at:
            return ""
        return self.last_error

    @property
    def locked(self) -> bool:
        return bool(self.lock_owner) and self.lock_expires_at is not None and self.lock_expires_at > timezone.now()


class SyncRun(models.Model):
    """One sync of one calendar: what was fetched and what changed. A task may cover several."""

    class Status(models.TextChoices):
        QUEUED = "queued"
        RUNNING = "running"
        SUCCEEDED = "succeeded"
        FAILED = "failed"
        SKIPPED = "skipped"  # another run of the same calendar held the lock

    task_id = models.CharField(max_length=64, db_index=True)
    calendar = models.ForeignKey("events.Calendar", on_delete=models.CASCADE, related_name="sync_runs")
    trigger = models.CharField(max_length=20, default="schedule")  # schedule | api | admin | command
    full = models.BooleanField(default=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    queued_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    fetched = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    deleted = models.PositiveIntegerField(default=0)
    consumed = models.PositiveIntegerField(default=0)
    pushed = models.PositiveIntegerField(default=0)
    conflicts = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)
    duration_seconds = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["-queued_at", "-id"]
        indexes = [models.Index(fields=["calendar", "-queued_at"], name="syncrun_cal_queued_idx")]

    def __str__(self) -> str:
        return f"sync {self.calendar_id} {self.task_id[:8]} ({self.status})"


class EventSyncMeta(models.Model):
    """What we last knew of one remote event, keyed like the event itself (calendar, external id).

    ``remote_updated``/``etag`` are the remote version our local copy is based on: a remote
    change newer than that while a local edit is unpushed is a conflict.
    ``content_hash`` is a digest of the fields we exchange, so saves that touch only local
    fields (checklists, mode) are not pushed.
    """

    calendar = models.ForeignKey("events.Calendar", on_delete=models.CASCADE, related_name="+")
    external_id = models.CharField(max_length=1024)
    etag = models.CharField(max_length=255, blank=True, default="")
    remote_updated = models.DateTimeField(null=True, blank=True)
    recurring_event_id = models.CharField(max_length=1024, blank=True, default="")
    content_hash = models.CharField(max_length=64, blank=True, default="")
    last_pushed_at = models.DateTimeField(null=True, blank=True)
    # A read-only source (feed) cannot delete an entry a plugin consumed: remember it instead,
    # so the same version is never turned into a command twice.
    consumed = models.BooleanField(default=False)

    class Meta:
        verbose_name = "event sync metadata"
        verbose_name_plural = "event sync metadata"
        constraints = [models.UniqueConstraint(fields=["calendar", "external_id"], name="eventsyncmeta_unique")]
        indexes = [models.Index(fields=["calendar", "recurring_event_id"], name="eventsyncmeta_series_idx")]

    def __str__(self) -> str:
        return f"{self.calendar_id}/{self.external_id}"


class PendingPush(models.Model):
    """A local change waiting to be written to Google, or parked as a conflict or failure.

    One open row per remote event: later local edits fold into it (insert+edit stays an
    insert, edit+delete becomes a delete, insert+delete cancels out).
    """

    class Op(models.TextChoices):
        INSERT = "insert"
        PATCH = "patch"
        DELETE = "delete"

    class Status(models.TextChoices):
        PENDING = "pending"
        CONFLICT = "conflict"  # remote changed too: neither side is overwritten until someone decides
        FAILED = "failed"  # gave up after push_max_attempts; "retry" in the admin re-queues it

    class Reason(models.TextChoices):
        LOCAL = "local"  # created/edited/deleted in Chronos (API, admin)
        CONSUMED = "consumed"  # a plugin turned the remote entry into something else

    calendar = models.ForeignKey("events.Calendar", on_delete=models.CASCADE, related_name="pending_pushes")
    event = models.ForeignKey("events.Event", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    external_id = models.CharField(max_length=1024)
    op = models.CharField(max_length=6, choices=Op.choices)
    reason = models.CharField(max_length=10, choices=Reason.choices, default=Reason.LOCAL)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    base_etag = models.CharField(max_length=255, blank=True, default="",
                                 help_text="remote version the local change is based on (If-Match)")
    force = models.BooleanField(default=False, help_text="push without If-Match (conflict resolved: keep local)")
    # Bumped by every local change folded into the row, so a push that ran meanwhile can tell.
    revision = models.PositiveIntegerField(default=0)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    last_error = models.TextField(blank=True, default="")
    remote_snapshot = models.JSONField(default=dict, blank=True, help_text="the remote version at conflict time")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        verbose_name = "pending push"
        constraints = [models.UniqueConstraint(fields=["calendar", "external_id"], name="pendingpush_one_per_event")]
        indexes = [models.Index(fields=["calendar", "status", "next_attempt_at"], name="pendingpush_due_idx")]

    def __str__(self) -> str:
        return f"{self.op} {self.calendar_id}/{self.external_id} ({self.status})"


class CalendarConnection(Calendar):
    """A calendar kept in sync with a CalDAV server or an iCalendar feed, as the admin shows it:
    the connection (URL, user, password) with "Test connection", next to its last sync."""

    class Meta:
        proxy = True
        verbose_name = "CalDAV account or feed"
        verbose_name_plural = "CalDAV accounts and feeds"
