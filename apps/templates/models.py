from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone as dj_timezone

from apps.events.models import Event


class Template(models.Model):
    """A reusable template: an event blueprint, an e-mail, or a webhook payload.

    One table for the three types so ranking, search and usage work the same for all of them;
    the type-specific fields stay empty for the other types.
    """

    class Type(models.TextChoices):
        EVENT = "event"
        EMAIL = "email"
        WEBHOOK = "webhook"

    type = models.CharField(max_length=10, choices=Type.choices, default=Type.EVENT, db_index=True)
    title = models.CharField(max_length=500)
    description = models.TextField(blank=True, default="")
    # event templates
    all_day = models.BooleanField(default=False)
    default_time = models.TimeField(null=True, blank=True, help_text="HH:MM local start time")
    duration_minutes = models.PositiveIntegerField(default=60)
    calendar_id = models.CharField(max_length=64, blank=True, default="")
    tags = models.JSONField(default=list, blank=True)
    attendees = models.JSONField(default=list, blank=True)
    # "Show as" of the events made from it: "transparent" entries never block time.
    transparency = models.CharField("show as", max_length=11, default=Event.Transparency.OPAQUE,
                                    choices=Event.Transparency.choices)
    default_sub_tasks = models.JSONField(default=list, blank=True)
    # e-mail templates
    subject = models.CharField(max_length=998, blank=True, default="")
    body_html = models.TextField(blank=True, default="")
    body_text = models.TextField(blank=True, default="")
    # webhook payload templates
    body_json = models.TextField(blank=True, default="")
    variables = models.JSONField(default=list, blank=True)
    # ranking
    usage_count = models.PositiveIntegerField(default=0)
    last_used_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=dj_timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = [models.F("usage_count").desc(), models.F("last_used_at").desc(nulls_last=True), "id"]
        indexes = [
            models.Index(fields=["type", "-usage_count"], name="template_type_usage_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(type__in=["event", "email", "webhook"]), name="template_type_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.type})"


class TemplateUsage(models.Model):
    """One use of a template: who used it and when (the ranking is kept on the template)."""

    template = models.ForeignKey(Template, on_delete=models.CASCADE, related_name="usages")
    actor = models.CharField(max_length=100)
    actor_name = models.CharField(max_length=150, blank=True, default="")
    used_at = models.DateTimeField(default=dj_timezone.now, db_index=True)

    class Meta:
        ordering = ["-used_at", "-id"]

    def __str__(self) -> str:
        return f"{self.template_id} used by {self.actor_name or self.actor}"
