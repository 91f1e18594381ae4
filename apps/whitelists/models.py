from __future__ import annotations

from django.db import models

PARAM_TYPES = ("int", "string", "email", "bool", "datetime", "url")
MAX_OFFSET_MINUTES = 60 * 24 * 366  # a year either way; further than that is a typo


class Fire(models.TextChoices):
    """When an ``ACTION:`` entry for this command becomes a command."""

    ON_ARRIVAL = "on_arrival", "on arrival (when the entry comes in)"
    AT_START = "at_start", "at the entry's start"
    AT_END = "at_end", "at the entry's end"


class Whitelist(models.Model):
    """One action a target system may receive, with the parameters it accepts and their types.

    ``system`` and ``action`` are stored upper-case: matching is case-insensitive everywhere
    (ACTION titles, the API, polling), so there is exactly one spelling in the database.
    """

    system = models.CharField(max_length=64)
    action = models.CharField(max_length=64)
    allowed_params = models.JSONField(
        default=dict, blank=True, help_text='{"name": "int|string|email|bool|datetime|url"}'
    )
    required_params = models.JSONField(default=list, blank=True, help_text='["name", ...] (each must be allowed)')
    enabled = models.BooleanField(default=True)
    fire = models.CharField(max_length=10, choices=Fire.choices, default=Fire.ON_ARRIVAL,
                            help_text="on arrival, or kept as a calendar entry and fired at its start or end")
    fire_offset_minutes = models.IntegerField(default=0, help_text="added to the start/end; -10 fires ten minutes before")
    description = models.CharField(max_length=500, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["system", "action"]
        constraints = [models.UniqueConstraint(fields=["system", "action"], name="whitelist_unique_system_action")]

    def __str__(self) -> str:
        return f"{self.system} {self.action}"

    def save(self, *args, **kwargs):
        self.system = (self.system or "").strip().upper()
        self.action = (self.action or "").strip().upper()
        super().save(*args, **kwargs)
