"""Signed n8n callbacks to ``/api/v1/commands/{id}/complete|fail``.

A receiver of a pushed command calls back signed with the secret of the webhook endpoint bound
to the command's target system, with either scheme Chronos itself sends:

- Standard Webhooks: ``webhook-id``, ``webhook-timestamp``, ``webhook-signature: v1,<b64>``;
- simple: ``X-Chronos-Timestamp``, ``X-Chronos-Signature: sha256=<hex of HMAC("{ts}.{body}")>``.

A timestamp further than ``integrations.webhooks.callback_tolerance_seconds`` (5 min) from now
is refused (401), as is a malformed or wrong signature; a ``webhook-id`` (or, for the simple
scheme, a signature) seen before is a replay (409). Requests without signature headers are left
to the other authentication classes (a Bearer API key).

Every refusal is the same 401 with the same text, whatever the reason (an unknown command, a
system bound to no endpoint, a stale timestamp, a wrong signature): an unauthenticated caller
learns nothing about which ids exist or which systems are bound. The reason goes to the log.
"""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass, field
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework import authentication, exceptions

from apps.audit import actor as audit_actor
from apps.core.auth import Principal
from apps.core.exceptions import Conflict
from apps.integrations import signing
from apps.integrations.models import SeenWebhookId, WebhookEndpoint
from chronos.config import current

logger = logging.getLogger(__name__)

REFUSED = "Signed request not accepted (wrong secret or signature, stale timestamp, or unknown command)."


@dataclass
class SignedCallbackPrincipal(Principal):
    """``request.user`` for a signed callback: may act on this one command only (commands.manage)."""

    endpoint_id: int
    endpoint_name: str
    command_id: int
    scopes: frozenset[str] = field(default_factory=lambda: frozenset({"commands.manage"}))

    @property
    def pk(self) -> str:
        return f"webhook:{self.endpoint_id}"

    @property
    def username(self) -> str:
        return self.pk

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes

    def __str__(self) -> str:
        return f"{self.endpoint_name} (signed webhook {self.endpoint_id})"


def _command_id(request) -> int | None:
    kwargs = (getattr(request, "parser_context", None) or {}).get("kwargs") or {}
    for key in ("pk", "id", "command_id"):
        if key in kwargs:
            try:
                return int(kwargs[key])
            except (TypeError, ValueError):
                return None
    return None


def _endpoint_for(command_id: int) -> WebhookEndpoint:
    from apps.commands.models import Command

    system = Command.objects.filter(pk=command_id).values_list("target_system", flat=True).first()
    if system is None:
        raise exceptions.AuthenticationFailed(f"command {command_id} does not exist")
    endpoint = WebhookEndpoint.objects.filter(target_system__iexact=system, enabled=True).first()
    if endpoint is None:
        raise exceptions.AuthenticationFailed(f"no enabled webhook endpoint is bound to target system {system!r}")
    return endpoint


def _timestamp(raw: str) -> int:
    try:
        ts = int(raw.strip())
    except ValueError:
        raise exceptions.AuthenticationFailed("malformed signature timestamp") from None
    if abs(time.time() - ts) > current().integrations.webhooks.callback_tolerance_seconds:
        raise exceptions.AuthenticationFailed("signature timestamp is too old or too far in the future")
    return ts


def _remember(key: str) -> None:
    ttl = timedelta(seconds=2 * current().integrations.webhooks.callback_tolerance_seconds + 60)
    try:
        with transaction.atomic():
            SeenWebhookId.objects.create(key=key[:200], expires_at=timezone.now() + ttl)
    except IntegrityError:
        raise Conflict("this signed request was already received (replayed webhook-id)") from None


class SignedCallbackAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request):
        headers = request.headers
        standard = headers.get("webhook-signature")
        simple = headers.get("X-Chronos-Signature")
        if not standard and not simple:
            return None
        try:
            return self._verify(request, standard, simple)
        except exceptions.AuthenticationFailed as exc:
            logger.info("signed callback to %s refused: %s (request %s)", request.path, exc.detail,
                        getattr(request._request, "request_id", "-"))
            raise exceptions.AuthenticationFailed(REFUSED) from None

    def _verify(self, request, standard: str | None, simple: str | None):
        headers = request.headers
        command_id = _command_id(request)
        if command_id is None:
            raise exceptions.AuthenticationFailed("signed requests are only accepted on command callbacks")
        endpoint = _endpoint_for(command_id)
        try:
            key = signing.secret_key_bytes(endpoint.secret)
        except Exception:  # noqa: BLE001 - an unreadable stored secret cannot verify anything
            raise exceptions.AuthenticationFailed("the endpoint's secret cannot be read") from None
        body = request._request.body
        if standard:
            msg_id = (headers.get("webhook-id") or "").strip()
            if not msg_id:
                raise exceptions.AuthenticationFailed("webhook-id header is missing")
            ts = _timestamp(headers.get("webhook-timestamp") or "")
            if not signing.verify_standard(key, msg_id, ts, body, standard):
                raise exceptions.AuthenticationFailed("webhook-signature does not match")
            seen = f"id:{endpoint.pk}:{msg_id}"
        else:
            ts = _timestamp(headers.get("X-Chronos-Timestamp") or "")
            if not signing.verify_chronos(key, ts, body, simple):
                raise exceptions.AuthenticationFailed("X-Chronos-Signature does not match")
            seen = f"sig:{endpoint.pk}:" + hashlib.sha256(simple.strip().encode()).hexdigest()
        _remember(seen)
        from apps.integrations.middleware import SEEN_KEY_ATTR

        setattr(request._request, SEEN_KEY_ATTR, seen[:200])  # forgotten again if the callback fails
        principal = SignedCallbackPrincipal(endpoint_id=endpoint.pk, endpoint_name=endpoint.name,
                                            command_id=command_id)
        audit_actor.set_actor(actor=principal.pk, actor_name=endpoint.name, scope="commands.manage")
        return principal, endpoint

    def authenticate_header(self, request) -> str:
        return 'Webhook-Signature realm="chronos"'
