"""Outbox, webhook endpoints and the small bookkeeping tables of inbound integrations."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils import timezone

from apps.core import crypto


class WebhookEndpoint(models.Model):
    """A receiver of signed webhooks (e.g. an n8n Webhook node).

    The signing secret (``whsec_<base64>``) is generated on create, shown once and stored
    encrypted with a key derived from ``SECRET_KEY``: a copy of the database alone does not
    reveal it. ``target_system`` binds a command target system to this endpoint, so commands
    for that system are pushed here as well as being pollable.
    """

    name = models.CharField(max_length=100)
    url = models.URLField(max_length=2000)
    secret_encrypted = models.TextField(editable=False)
    event_types = models.JSONField(default=list, help_text='["*"] for every event type, or a list of types.')
    target_system = models.CharField(
        max_length=100, blank=True, default="", db_index=True,
        help_text="Push the commands of this target system here (command.created).",
    )
    # A plain id rather than a foreign key: the templates app may be migrated independently,
    # and a deleted template simply falls back to the default body.
    payload_template_id = models.PositiveBigIntegerField(
        null=True, blank=True,
        help_text="Optional webhook template whose rendered JSON replaces the default body.",
    )
    enabled = models.BooleanField(default=True)
    timeout_seconds = models.PositiveIntegerField(default=10)
    disabled_reason = models.CharField(max_length=200, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def secret(self) -> str:
        return crypto.decrypt(self.secret_encrypted)

    def set_secret(self, secret: str) -> None:
        self.secret_encrypted = crypto.encrypt(secret)

    def subscribes_to(self, event_type: str) -> bool:
        types = self.event_types or []
        return "*" in types or event_type in types


class OutboxMessage(models.Model):
    """One message to deliver through a transport, written in the transaction that causes it.

    The UUID is the message's identity everywhere (``webhook-id``), the same on every attempt,
    so receivers can drop duplicates of an at-least-once delivery. A worker claims the row
    (``delivering`` with a lease in ``claimed_until``); a crashed worker's row is claimed again
    by the sweep once the lease has run out.
    """

    class Status(models.TextChoices):
        PENDING = "pending"
        DELIVERING = "delivering"
        DELIVERED = "delivered"
        DEAD = "dead"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    transport = models.CharField(max_length=32)
    endpoint = models.ForeignKey(
        WebhookEndpoint, null=True, blank=True, on_delete=models.SET_NULL, related_name="messages"
    )
    event_type = models.CharField(max_length=100)
    payload = models.JSONField(default=dict)
    target = models.JSONField(default=dict, blank=True)
    dedupe_key = models.CharField(max_length=200, null=True, blank=True, unique=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    claimed_until = models.DateTimeField(null=True, blank=True)
    claim_token = models.UUIDField(null=True, blank=True, editable=False)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True, default="")
    last_response = models.TextField(blank=True, default="")
    delivered_at = models.DateTimeField(null=True, blank=True)
    dead_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="outbox_due"),
            models.Index(fields=["status", "claimed_until"], name="outbox_lease"),
        ]
        verbose_name = "outbox message"

    def __str__(self) -> str:
        return f"{self.transport}:{self.event_type} {self.id}"


class DeliveryAttempt(models.Model):
    """One try at delivering an outbox message: kept for every attempt, successful or not."""

    class Outcome(models.TextChoices):
        DELIVERED = "delivered"
        RETRY = "retry"
        DEAD = "dead"
        LOST = "lost"  # the worker died during the attempt; its lease ran out

    message = models.ForeignKey(OutboxMessage, on_delete=models.CASCADE, related_name="delivery_attempts")
    number = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    duration_ms = models.PositiveIntegerField(default=0)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    outcome = models.CharField(max_length=16, choices=Outcome.choices)
    error = models.TextField(blank=True, default="")
    response = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["message", "number", "id"]

    def __str__(self) -> str:
        return f"attempt {self.number} of {self.message_id}: {self.outcome}"


class SeenWebhookId(models.Model):
    """A ``webhook-id`` (or signature) already accepted on an inbound signed call: replays are refused."""

    key = models.CharField(max_length=200, unique=True)
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return self.key


class TelegramUpdate(models.Model):
    """A Telegram ``update_id`` already handled: Telegram re-sends updates it thinks were lost."""

    update_id = models.BigIntegerField(unique=True)
    chat_id = models.BigIntegerField(null=True)
    received_at = models.DateTimeField(default=timezone.now, db_index=True)

    def __str__(self) -> str:
        return str(self.update_id)


# The e-mail delivery log lives in its own module (owned by the e-mail part) but belongs to this app.
from apps.integrations.email.models import EmailAttachment, EmailMessageLog  # noqa: E402,F401
