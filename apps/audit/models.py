from __future__ import annotations

from django.db import models
from django.utils import timezone


class AuditEntry(models.Model):
    """One append-only record of a change: who, what, when, old -> new.

    The database itself refuses UPDATE and DELETE on this table (see ``apps.audit.guards``).
    The actor is kept as text so entries survive the deletion of the key or user.
    """

    ts = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.CharField(max_length=100, db_index=True)
    actor_name = models.CharField(max_length=150, blank=True, default="")
    scope = models.CharField(max_length=500, blank=True, default="")
    action = models.CharField(max_length=50)
    entity = models.CharField(max_length=100)
    entity_id = models.CharField(max_length=100)
    changes = models.JSONField(default=dict, blank=True)
    ip = models.CharField(max_length=45, blank=True, default="")
    request_id = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["entity", "entity_id"], name="audit_entity_idx")]
        verbose_name = "audit entry"
        verbose_name_plural = "audit log"

    def __str__(self) -> str:
        return f"{self.ts:%Y-%m-%d %H:%M:%S} {self.actor} {self.action} {self.entity}#{self.entity_id}"
