"""Worker entry points (django-q2 tasks and schedules)."""

from __future__ import annotations

from django.utils import timezone

from apps.audit.actor import acting_as
from apps.integrations import outbox


def deliver_message(message_id: str) -> str | None:
    with acting_as("worker:outbox"):
        return outbox.deliver_now(message_id)


def sweep_outbox() -> dict[str, int]:
    with acting_as("worker:outbox"):
        return outbox.sweep()


def prune_integrations() -> dict[str, int]:
    from apps.integrations.models import SeenWebhookId, TelegramUpdate

    now = timezone.now()
    seen, _ = SeenWebhookId.objects.filter(expires_at__lt=now).delete()
    updates, _ = TelegramUpdate.objects.filter(received_at__lt=now - timezone.timedelta(days=7)).delete()
    return {"outbox": outbox.prune(now=now), "seen_ids": seen, "telegram_updates": updates}
