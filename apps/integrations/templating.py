"""Payload templates for webhooks and text templates for Telegram, rendered from plain data."""

from __future__ import annotations

from typing import Any

from django.apps import apps as django_apps

from apps.integrations.transports.base import TransportError


def render_payload_template(template_id: int, context: dict[str, Any]) -> str | None:
    """Render a webhook template to JSON text; ``None`` when the template no longer exists.

    The context is the default body (``type``, ``timestamp``, ``data``), so a template writes
    placeholders like ``{{data.command}}``.
    """
    try:
        model = django_apps.get_model("templates", "Template")
    except LookupError:
        return None
    template = model.objects.filter(pk=template_id).first()
    if template is None:
        return None
    from apps.templates.rendering import render_json

    try:
        return render_json(getattr(template, "body_json", "") or "", context)
    except Exception as exc:  # noqa: BLE001 - a broken template will not fix itself on retry
        raise TransportError(f"payload template {template_id} failed to render: {exc}", permanent=True) from None


def render_text(source: str, context: dict[str, Any]) -> str:
    from apps.templates.rendering import render_text as render

    return render(source, context)
