from __future__ import annotations

from django.db import models


class Workflow(models.Model):
    """ "When ``trigger_command`` on ``trigger_system`` completes, queue the follow-up command."

    ``follow_up_params`` may hold placeholders (``{{command.params.x}}``,
    ``{{command.result.y}}``, ``{{event.title}}``) filled from the completed command.
    """

    name = models.CharField(max_length=200)
    trigger_command = models.CharField(max_length=64)
    trigger_system = models.CharField(max_length=64)
    follow_up_command = models.CharField(max_length=64)
    follow_up_system = models.CharField(max_length=64)
    follow_up_params = models.JSONField(default=dict, blank=True)
    delay_seconds = models.PositiveIntegerField(default=0)
    enabled = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["trigger_system", "trigger_command"], name="workflow_trigger_idx")]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        for name in ("trigger_command", "trigger_system", "follow_up_command", "follow_up_system"):
            setattr(self, name, (getattr(self, name) or "").strip().upper())
        super().save(*args, **kwargs)
