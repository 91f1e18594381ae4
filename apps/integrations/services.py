"""Write operations on webhook endpoints."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.db import transaction

from apps.integrations import netguard, signing
from apps.integrations.models import WebhookEndpoint
from chronos.config import current


def validate_url(url: str) -> str:
    """http(s) URLs with a host only: no file:, no javascript:, no credentials in the URL."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https"):
        raise ValidationError({"url": ["must be an http:// or https:// URL"]})
    if not parts.hostname:
        raise ValidationError({"url": ["has no host"]})
    if parts.username or parts.password:
        raise ValidationError({"url": ["must not contain credentials; the signature authenticates Chronos"]})
    try:
        port = parts.port
    except ValueError:
        raise ValidationError({"url": ["has an invalid port"]}) from None
    try:
        netguard.check(parts.hostname, port or (443 if parts.scheme == "https" else 80))
    except netguard.Refused as exc:
        raise ValidationError({"url": [f"refused: {exc} (integrations.webhooks)"]}) from None
    except netguard.Unresolvable:
        pass  # may resolve later (split-horizon DNS, receiver not up yet); checked again at delivery
    return url.strip()


def validate_event_types(event_types) -> list[str]:
    if not isinstance(event_types, list) or not all(isinstance(t, str) and t.strip() for t in event_types):
        raise ValidationError({"event_types": ['must be a list of event type names, or ["*"]']})
    return list(dict.fromkeys(t.strip() for t in event_types))


@transaction.atomic
def create_endpoint(*, name: str, url: str, event_types: list[str] | None = None, target_system: str = "",
                    payload_template_id: int | None = None, enabled: bool = True,
                    timeout_seconds: int | None = None) -> tuple[WebhookEndpoint, str]:
    """Create an endpoint with a fresh secret; returns ``(endpoint, secret)`` — the secret is shown once."""
    secret = signing.generate_secret()
    endpoint = WebhookEndpoint(
        name=name, url=validate_url(url), event_types=validate_event_types(event_types or []),
        target_system=(target_system or "").strip().upper(), payload_template_id=payload_template_id, enabled=enabled,
        timeout_seconds=timeout_seconds or current().integrations.webhooks.default_timeout_seconds,
    )
    endpoint.set_secret(secret)
    endpoint.save()
    return endpoint, secret


@transaction.atomic
def rotate_secret(*, endpoint: WebhookEndpoint) -> str:
    secret = signing.generate_secret()
    endpoint.set_secret(secret)
    endpoint.save(update_fields=["secret_encrypted", "updated_at"])
    return secret
