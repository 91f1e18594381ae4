"""API key authentication for DRF: ``Authorization: Bearer chr_<key_id>_<secret>``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import connections, router
from django.db.models import Q
from django.utils import timezone
from rest_framework import authentication, exceptions

from apps.audit import context as audit_context
from apps.core.models import KEY_PREFIX, ApiKey
from apps.core.rawrows import RowLoader


@dataclass
class ApiKeyPrincipal:
    """What ``request.user`` is for a request authenticated by an API key."""

    api_key: ApiKey
    is_authenticated: bool = True
    is_active: bool = True
    is_staff: bool = False
    is_superuser: bool = False
    is_anonymous: bool = False

    @property
    def pk(self) -> str:
        return f"key:{self.api_key.key_id}"

    @property
    def username(self) -> str:
        return f"key:{self.api_key.key_id}"

    def __str__(self) -> str:
        return f"{self.api_key.name} (key {self.api_key.key_id})"


def parse_key(raw: str) -> tuple[str, str] | None:
    parts = raw.split("_", 2)
    if len(parts) != 3 or parts[0] != KEY_PREFIX or not parts[1] or not parts[2]:
        return None
    return parts[1], parts[2]


def resolve_key(raw: str) -> ApiKey:
    """Return the active key for ``raw`` or raise ``AuthenticationFailed`` with the reason."""
    parsed = parse_key(raw.strip())
    if parsed is None:
        raise exceptions.AuthenticationFailed("Malformed API key.")
    key_id, secret = parsed
    now = timezone.now()
    key = _load(key_id)
    if key is None or not key.matches(secret, now):
        raise exceptions.AuthenticationFailed("Invalid API key.")
    if key.revoked_at is not None:
        raise exceptions.AuthenticationFailed("API key has been revoked.")
    if key.expires_at is not None and now >= key.expires_at:
        raise exceptions.AuthenticationFailed("API key has expired.")
    _touch(key, now)
    return key


# Every API request looks its key up. The row is read fresh each time (a revocation or rotation
# counts at once, in every process), but with one prepared statement: building the ORM query
# cost ten times more than running it.
_rows = RowLoader(ApiKey)


def _load(key_id: str) -> ApiKey | None:
    conn = connections[router.db_for_read(ApiKey)]
    with conn.cursor() as cursor:
        cursor.execute(f"SELECT {_rows.columns(conn)} FROM {_rows.table(conn)} WHERE key_id = %s", [key_id])
        rows = cursor.fetchall()
    keys = _rows.load(conn, rows)
    return keys[0] if keys else None


def _touch(key: ApiKey, now) -> None:
    resolution = timedelta(seconds=int(settings.CHRONOS.get("api", {}).get("last_used_resolution_seconds", 60)))
    if key.last_used_at is not None and now - key.last_used_at < resolution:
        return
    # Conditional update: concurrent requests write the column at most once per interval.
    ApiKey.objects.filter(pk=key.pk).filter(
        Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - resolution)
    ).update(last_used_at=now)
    key.last_used_at = now


class ApiKeyAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1")
        if not header:
            return None
        scheme, _, token = header.partition(" ")
        if scheme.lower() != self.keyword.lower():
            return None
        if not token.strip():
            raise exceptions.AuthenticationFailed("Empty bearer token.")
        key = resolve_key(token)
        principal = ApiKeyPrincipal(api_key=key)
        audit_context.set_actor(
            actor=f"key:{key.key_id}", actor_name=key.name, scope=",".join(key.scopes)
        )
        return principal, key

    def authenticate_header(self, request) -> str:
        return 'Bearer realm="chronos"'
