"""The e-mail delivery log: one row per message, its attachments, and what became of it.

Imported at the end of ``apps/integrations/models.py`` so the models belong to the
``integrations`` app.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class EmailMessageLog(models.Model):
    """One outgoing e-mail: the rendered content, its recipients and its delivery state.

    The content is rendered when the message is queued, so what the worker sends (and what a
    retry sends again) is exactly what was accepted; the ``message_id`` is fixed at that moment
    too, so every retry carries the same ``Message-ID`` and receivers can drop duplicates.
    The template is kept as a plain id plus its name: a deleted template leaves the log intact.
    """

    class Status(models.TextChoices):
        QUEUED = "queued"
        SENT = "sent"
        FAILED = "failed"

    class Priority(models.TextChoices):
        HIGH = "high"
        NORMAL = "normal"
        LOW = "low"

    to = models.JSONField(default=list)
    cc = models.JSONField(default=list, blank=True)
    bcc = models.JSONField(default=list, blank=True)
    reply_to = models.JSONField(default=list, blank=True)
    from_email = models.CharField(max_length=254)
    from_name = models.CharField(max_length=200, blank=True, default="")
    subject = models.CharField(max_length=998)
    body_html = models.TextField(blank=True, default="")
    body_text = models.TextField(blank=True, default="")
    priority = models.CharField(max_length=6, choices=Priority.choices, default=Priority.NORMAL)
    template_id = models.PositiveBigIntegerField(null=True, blank=True, db_index=True)
    template_name = models.CharField(max_length=200, blank=True, default="")
    command_id = models.PositiveBigIntegerField(null=True, blank=True, db_index=True)
    event_id = models.PositiveBigIntegerField(null=True, blank=True, db_index=True)
    status = models.CharField(max_length=6, choices=Status.choices, default=Status.QUEUED, db_index=True)
    attempts = models.PositiveIntegerField(default=0)
    message_id = models.CharField(max_length=255, unique=True)
    error = models.TextField(blank=True, default="")
    outbox_message_id = models.UUIDField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "e-mail"
        verbose_name_plural = "e-mail log"

    def __str__(self) -> str:
        return f"{self.subject} -> {', '.join(self.to or self.cc or self.bcc)}"

    @property
    def recipients(self) -> list[str]:
        return [*self.to, *self.cc, *self.bcc]


class EmailAttachment(models.Model):
    """A file sent with an e-mail, kept in the database so queueing it is one transaction."""

    email = models.ForeignKey(EmailMessageLog, on_delete=models.CASCADE, related_name="attachments")
    position = models.PositiveSmallIntegerField(default=0)
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=255)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    content = models.BinaryField()

    class Meta:
        ordering = ["email", "position", "id"]

    def __str__(self) -> str:
        return f"{self.filename} ({self.size} bytes)"
