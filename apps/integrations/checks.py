"""System checks of the integrations' configuration: a bad value stops the start with one line."""

from __future__ import annotations

from django.core.checks import Error, register

from apps.integrations import conf


@register()
def check_webhook_networks(app_configs=None, **kwargs) -> list[Error]:
    try:
        conf.webhooks()
    except ValueError as exc:
        return [Error(f"integrations.webhooks.blocked_networks: {exc}", id="chronos.E005")]
    return []
