from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone

KEY_PREFIX = "chr"


def _digest(secret: str) -> str:
    # Keyed with SECRET_KEY: a leaked database alone does not let anyone test guesses offline.
    return hmac.new(settings.SECRET_KEY.encode(), secret.encode(), hashlib.sha256).hexdigest()


class ApiKey(models.Model):
    """An API key: public ``key_id`` for lookup, the secret only as an HMAC-SHA256 digest.

    The full key handed out is ``chr_<key_id>_<secret>``. It is shown once and never stored.
    Rotation keeps the previous digest valid until ``previous_valid_until``.
    """

    key_id = models.CharField(max_length=16, unique=True, editable=False)
    name = models.CharField(max_length=100)
    digest = models.CharField(max_length=64, editable=False)
    scopes = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    previous_digest = models.CharField(max_length=64, blank=True, default="", editable=False)
    previous_valid_until = models.DateTimeField(null=True, blank=True, editable=False)
    created_by = models.CharField(max_length=150, blank=True, default="")

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "API key"

    def __str__(self) -> str:
        return f"{self.name} ({self.key_id})"

    @classmethod
    def issue(cls, *, name: str, scopes: list[str], expires_at=None, created_by: str = "") -> tuple[ApiKey, str]:
        """Create a key and return ``(row, full_key)``; the full key is not recoverable later."""
        secret = secrets.token_urlsafe(32)
        key = cls(
            key_id=secrets.token_hex(6),
            name=name,
            scopes=scopes,
            expires_at=expires_at,
            digest=_digest(secret),
            created_by=created_by,
        )
        key.save()
        return key, f"{KEY_PREFIX}_{key.key_id}_{secret}"

    def rotate(self, *, grace: timedelta) -> str:
        """New secret; the old one keeps working for ``grace``. Returns the new full key."""
        secret = secrets.token_urlsafe(32)
        self.previous_digest = self.digest
        self.previous_valid_until = timezone.now() + grace
        self.digest = _digest(secret)
        self.save(update_fields=["digest", "previous_digest", "previous_valid_until"])
        return f"{KEY_PREFIX}_{self.key_id}_{secret}"

    def matches(self, secret: str, now) -> bool:
        candidate = _digest(secret)
        if hmac.compare_digest(candidate, self.digest):
            return True
        if self.previous_digest and self.previous_valid_until and now < self.previous_valid_until:
            return hmac.compare_digest(candidate, self.previous_digest)
        return False

    def is_active(self, now) -> bool:
        return self.revoked_at is None and (self.expires_at is None or now < self.expires_at)

    @property
    def is_admin(self) -> bool:
        return "admin" in self.scopes

    def has_scope(self, scope: str) -> bool:
        return "admin" in self.scopes or scope in self.scopes


class IdempotencyRecord(models.Model):
    """The stored answer to a create request sent with an ``Idempotency-Key`` header.

    ``response_body`` is the answer's JSON sealed with :mod:`apps.core.crypto`: some answers
    carry a secret shown once (a webhook endpoint's signing secret), which must not sit in the
    database, its WAL or a dump in plain text (see :mod:`apps.core.idempotency`).
    """

    principal = models.CharField(max_length=64)
    key = models.CharField(max_length=255)
    request_hash = models.CharField(max_length=64)
    in_progress = models.BooleanField(default=True)
    response_status = models.PositiveSmallIntegerField(null=True)
    response_body = models.TextField(null=True)
    response_headers = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["principal", "key"], name="idempotency_unique_key")]

    def __str__(self) -> str:
        return f"{self.principal}:{self.key}"


class Heartbeat(models.Model):
    """Last sign of life of a long-running process (the worker, the web server)."""

    name = models.CharField(max_length=100, primary_key=True)
    kind = models.CharField(max_length=20, default="worker")
    hostname = models.CharField(max_length=255, blank=True, default="")
    pid = models.IntegerField(null=True)
    started_at = models.DateTimeField(null=True)
    last_seen = models.DateTimeField()

    def __str__(self) -> str:
        return self.name
