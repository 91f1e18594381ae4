"""The ``outbox`` part of ``/health``: backlog and dead letters (informational, not critical)."""

from __future__ import annotations

from django.db.models import Count, Min
from django.utils import timezone

from apps.integrations.models import OutboxMessage


def outbox_health() -> dict:
    now = timezone.now()
    counts = dict(OutboxMessage.objects.exclude(status=OutboxMessage.Status.DELIVERED)
                  .values_list("status").annotate(n=Count("id")).order_by())
    oldest = OutboxMessage.objects.filter(
        status=OutboxMessage.Status.PENDING, next_attempt_at__lte=now
    ).aggregate(m=Min("next_attempt_at"))["m"]
    return {
        "status": "ok",
        "pending": counts.get(OutboxMessage.Status.PENDING, 0),
        "delivering": counts.get(OutboxMessage.Status.DELIVERING, 0),
        "dead": counts.get(OutboxMessage.Status.DEAD, 0),
        "oldest_due_seconds": int((now - oldest).total_seconds()) if oldest else 0,
    }
