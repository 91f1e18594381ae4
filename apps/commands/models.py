from __future__ import annotations

from django.db import models
from django.utils import timezone


class Command(models.Model):
    """A unit of work for an external system (n8n, Telegram, SMTP …), queued until claimed.

    Life cycle: PENDING -> PROCESSING (claimed with a lease until ``timeout_at``) ->
    COMPLETED, or back to PENDING (fail with retry, expired lease) until ``max_retries`` is
    used up, then FAILED. Consumed calendar entries are not stored, so the source event is kept
    as plain text (``source_event_id``) plus its calendar, times and title in ``context``.
    """

    class Status(models.TextChoices):
        PENDING = "PENDING"
        PROCESSING = "PROCESSING"
        COMPLETED = "COMPLETED"
        FAILED = "FAILED"

    command = models.CharField(max_length=64)
    target_system = models.CharField(max_length=64)
    parameters = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    retries = models.PositiveIntegerField(default=0)
    max_retries = models.PositiveIntegerField(default=3)
    timeout_at = models.DateTimeField(null=True, blank=True, help_text="lease expiry while PROCESSING")
    available_at = models.DateTimeField(default=timezone.now, help_text="not claimable before this time")
    last_error = models.TextField(blank=True, default="")
    result = models.JSONField(null=True, blank=True)
    idempotency_key = models.CharField(max_length=255, null=True, blank=True, unique=True)
    source_event_id = models.CharField(max_length=1024, blank=True, default="")
    context = models.JSONField(default=dict, blank=True)
    depth = models.PositiveIntegerField(default=0, help_text="workflow chain depth (0 = not created by a workflow)")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    processed_at = models.DateTimeField(null=True, blank=True, help_text="last claim")
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [
            # Leading (target_system, status) serves the filters; the trailing id lets a claim
            # walk PENDING rows oldest-first and stop after ``limit`` without sorting.
            models.Index(fields=["target_system", "status", "id"], name="command_system_status_idx"),
            models.Index(fields=["timeout_at"], name="command_timeout_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.command} -> {self.target_system} ({self.status})"
