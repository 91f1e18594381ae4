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


class ActionFiring(models.Model):
    """One occurrence of a timed ``ACTION:`` entry: when it fires and what became of it.

    The table of next firings: the worker's loop reads only the ``(state, fire_at)`` index of
    scheduled rows, never the events table. A series has rows for a bounded horizon ahead
    (``actions.horizon_days``), refilled by the worker (see ``ActionHorizon``). The row for an
    occurrence is unique per ``(event, occurrence_start)`` and carries the key its command gets,
    ``event:<id>:<occurrence UTC start>``, which ``Command.idempotency_key`` holds unique too: a
    second command for the same occurrence cannot be written, whatever races.

    ``event`` is a plain reference (no database constraint): a fired or cancelled row outlives
    the entry it came from, as history.
    """

    class State(models.TextChoices):
        SCHEDULED = "scheduled"
        FIRED = "fired"
        SKIPPED = "skipped"
        CANCELLED = "cancelled"

    event = models.ForeignKey("events.Event", on_delete=models.DO_NOTHING, db_constraint=False,
                              related_name="+", db_index=False)
    occurrence_start = models.DateTimeField()
    fire_at = models.DateTimeField()
    fire = models.CharField(max_length=10)
    fire_offset_minutes = models.IntegerField(default=0)
    command_name = models.CharField(max_length=64)
    target_system = models.CharField(max_length=64)
    parameters = models.JSONField(default=dict, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.SCHEDULED)
    command = models.ForeignKey(Command, on_delete=models.SET_NULL, null=True, blank=True, related_name="firings")
    idempotency_key = models.CharField(max_length=255, unique=True)
    note = models.CharField(max_length=500, blank=True, default="", help_text="why it was skipped or cancelled")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["fire_at", "id"]
        verbose_name = "timed action"
        constraints = [
            models.UniqueConstraint(fields=["event", "occurrence_start"], name="firing_unique_occurrence"),
        ]
        indexes = [
            # What the firing loop reads: the next due scheduled rows, nothing else. Not a partial
            # index on state: SQLite cannot use one when the state comes as a bound parameter.
            models.Index(fields=["state", "fire_at", "id"], name="firing_due_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.command_name} {self.target_system} at {self.fire_at:%Y-%m-%d %H:%M}Z ({self.state})"


class ActionHorizon(models.Model):
    """How far ahead the firings of one timed entry are written (its occurrences up to ``until``).

    The worker extends entries whose horizon runs short, so a weekly series has a few rows ahead,
    not one per week forever.
    """

    event = models.OneToOneField("events.Event", on_delete=models.DO_NOTHING, db_constraint=False,
                                 related_name="+", primary_key=True)
    until = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"event {self.event_id} until {self.until:%Y-%m-%d}"
