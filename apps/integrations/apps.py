from __future__ import annotations

from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    name = "apps.integrations"
    label = "integrations"
    verbose_name = "Integrations: outbox, webhooks, Telegram"

    def ready(self) -> None:
        from apps.audit.registry import register
        from apps.core import health, loops, signals
        from apps.integrations import schedules  # noqa: F401  (periodic tasks)
        from apps.integrations.email import commands  # noqa: F401  (SEND_EMAIL)
        from apps.integrations.health import outbox_health
        from apps.integrations.models import WebhookEndpoint
        from apps.integrations.retry_timer import run as retry_timer
        from apps.integrations.subscribers import on_domain_event

        register(WebhookEndpoint, exclude=("secret_encrypted", "updated_at"), entity="webhook_endpoint")
        signals.subscribe("*", on_domain_event)
        health.register("outbox", outbox_health)
        # Retries are handed to the queue when they fall due, not at the next minute sweep.
        loops.register("outbox-retry-timer", retry_timer)
