"""``Idempotency-Key`` for create endpoints (Stripe's semantics, IETF draft header names).

Same key + same body -> the first answer again with ``Idempotent-Replayed: true``;
same key + different body -> 422; same key while the first request still runs -> 409.
Keys are scoped to the caller (API key or user) and kept ``api.idempotency_ttl_hours``.

The stored answer is sealed (encrypted and authenticated with :mod:`apps.core.crypto`) whatever
it holds: answers that show a secret once (a webhook endpoint's signing secret) are replayed
whole, as the contract says, yet no secret is ever stored in plain text. A stored answer that
cannot be unsealed any more (``SECRET_KEY`` changed) is a 409: the key cannot be reused.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import json
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework import exceptions
from rest_framework.response import Response

from apps.core import crypto
from apps.core.exceptions import Conflict, Unprocessable
from apps.core.models import IdempotencyRecord
from chronos.config import current

HEADER = "Idempotency-Key"
# A first request that died without answering blocks its key no longer than this.
ABANDONED_AFTER = timedelta(minutes=5)


def ttl() -> timedelta:
    return timedelta(hours=current().api.idempotency_ttl_hours)


def _principal(request) -> str:
    user = request.user
    return str(getattr(user, "pk", "") or "anonymous")


def _fingerprint(request) -> str:
    try:
        body = json.dumps(request.data, sort_keys=True, default=str, separators=(",", ":"))
    except (TypeError, ValueError):
        body = repr(request.data)
    # Keyed, so the stored fingerprint of a body that holds a password reveals nothing about it.
    return hmac.new(_fingerprint_key(), f"{request.method} {request.path}\n{body}".encode(), hashlib.sha256).hexdigest()


def _fingerprint_key() -> bytes:
    return hashlib.sha256(f"chronos-idempotency-fingerprint:{settings.SECRET_KEY}".encode()).digest()


def _claim(principal: str, key: str, fingerprint: str, now) -> IdempotencyRecord | None:
    """Insert an in-progress record; return the existing one when the key is taken."""
    for _ in range(2):
        try:
            with transaction.atomic():
                IdempotencyRecord.objects.create(
                    principal=principal, key=key, request_hash=fingerprint, created_at=now
                )
            return None
        except IntegrityError:
            existing = IdempotencyRecord.objects.filter(principal=principal, key=key).first()
            if existing is None:
                continue
            stale = existing.created_at < now - ttl() or (
                existing.in_progress and existing.created_at < now - ABANDONED_AFTER
            )
            if not stale:
                return existing
            IdempotencyRecord.objects.filter(pk=existing.pk, created_at=existing.created_at).delete()
    raise Conflict("Idempotency key is being reused concurrently; retry.")


def seal(data) -> str:
    """The answer's JSON, encrypted for storage."""
    return crypto.encrypt(json.dumps(data, default=str, separators=(",", ":")))


def unseal(token: str | None):
    if token is None:
        return None
    return json.loads(crypto.decrypt(token))


def idempotent(view_method):
    """Decorate a DRF view method (``create``/``post``) to honour ``Idempotency-Key``."""

    @functools.wraps(view_method)
    def wrapper(self, request, *args, **kwargs):
        key = request.headers.get(HEADER)
        if key is None:
            return view_method(self, request, *args, **kwargs)
        key = key.strip()
        if not key or len(key) > 255:
            raise exceptions.ValidationError({"detail": f"{HEADER} must be 1..255 characters."})
        principal, fingerprint, now = _principal(request), _fingerprint(request), timezone.now()
        existing = _claim(principal, key, fingerprint, now)
        if existing is not None:
            if existing.request_hash != fingerprint:
                raise Unprocessable(f"{HEADER} {key!r} was already used with a different request body.")
            if existing.in_progress:
                raise Conflict(f"A request with {HEADER} {key!r} is still being processed.")
            try:
                body = unseal(existing.response_body)
            except crypto.SecretUnreadable:
                raise Conflict(f"The stored answer for {HEADER} {key!r} cannot be read any more "
                               "(the secret key changed); use a new key.") from None
            headers = {**existing.response_headers, "Idempotent-Replayed": "true"}
            return Response(body, status=existing.response_status, headers=headers)
        try:
            response = view_method(self, request, *args, **kwargs)
        except BaseException:
            IdempotencyRecord.objects.filter(principal=principal, key=key).delete()
            raise
        if response.status_code >= 500:
            IdempotencyRecord.objects.filter(principal=principal, key=key).delete()
            return response
        headers = {name: response[name] for name in ("Location", "Content-Type") if response.has_header(name)}
        IdempotencyRecord.objects.filter(principal=principal, key=key).update(
            in_progress=False,
            response_status=response.status_code,
            response_body=seal(response.data),
            response_headers=headers,
        )
        return response

    wrapper.honours_idempotency_key = True  # read by the OpenAPI schema (apps.core.openapi)
    return wrapper


class IdempotentCreateMixin:
    """For ModelViewSets: ``create`` honours ``Idempotency-Key``."""

    @idempotent
    def create(self, request, *args, **kwargs):
        return super().create(request, *args, **kwargs)


def prune(now=None) -> int:
    now = now or timezone.now()
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=now - ttl()).delete()
    return deleted
