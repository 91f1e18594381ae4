"""API key authentication for DRF: ``Authorization: Bearer chr_<key_id>_<secret>``."""

from __future__ import annotations

import copy
import time
from dataclasses import dataclass
from datetime import timedelta

from django.db import router
from django.db.models import Q
from django.db.models.signals import post_delete, post_save
from django.utils import timezone
from rest_framework import authentication, exceptions

from apps.audit import actor as audit_actor
from apps.core.models import KEY_PREFIX, ApiKey
from chronos.config import current


class Principal:
    """Base of the non-user identities ``request.user`` can be (API keys, signed callbacks).

    Gives them the flags Django and DRF read from a user; subclasses say what they may do
    with ``has_scope``.
    """

    is_authenticated = True
    is_active = True
    is_staff = False
    is_superuser = False
    is_anonymous = False

    def has_scope(self, scope: str) -> bool:
        return False


@dataclass
class ApiKeyPrincipal(Principal):
    """What ``request.user`` is for a request authenticated by an API key."""

    api_key: ApiKey

    def has_scope(self, scope: str) -> bool:
        return self.api_key.has_scope(scope)

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
    key, cached = _load(key_id)
    if cached and (key is None or not key.matches(secret, now)):
        # Perhaps rotated in another process a moment ago: a new secret works at once.
        key, _ = _load(key_id, fresh=True)
    if key is None or not key.matches(secret, now):
        raise exceptions.AuthenticationFailed("Invalid API key.")
    if key.revoked_at is not None:
        raise exceptions.AuthenticationFailed("API key has been revoked.")
    if key.expires_at is not None and now >= key.expires_at:
        raise exceptions.AuthenticationFailed("API key has expired.")
    _touch(key, now)
    return key


# Every API request looks its key up, so the row is kept for CACHE_SECONDS per process. A save
# or delete of the key in this process drops it at once (signals below); a revocation in another
# process (the ``apikey`` command, another web worker) counts within CACHE_SECONDS; a rotated
# secret works at once anywhere (a mismatch re-reads the row). Expiry is checked against the
# clock on every request. Each request gets its own copy of the cached instance.
CACHE_SECONDS = 1.0
_cache: dict[str, tuple[float, str, ApiKey]] = {}  # key_id -> (monotonic time read, db alias, row)
_clock = time.monotonic


def _copy(key: ApiKey) -> ApiKey:
    mine = copy.copy(key)
    mine.scopes = copy.deepcopy(key.scopes)
    return mine


def _load(key_id: str, *, fresh: bool = False) -> tuple[ApiKey | None, bool]:
    """The key row (or None) and whether it came from the cache."""
    alias = router.db_for_read(ApiKey)
    hit = None if fresh else _cache.get(key_id)
    if hit is not None and hit[1] == alias and _clock() - hit[0] < CACHE_SECONDS:
        return _copy(hit[2]), True
    read_at = _clock()
    key = ApiKey.objects.using(alias).filter(key_id=key_id).first()
    if key is None:
        _cache.pop(key_id, None)
        return None, False
    _cache[key_id] = (read_at, alias, key)
    return _copy(key), False


def forget(key_id: str) -> None:
    """Drop a cached key row, so the next request reads it again."""
    _cache.pop(key_id, None)


def _forget_saved_key(sender, instance: ApiKey, **kwargs) -> None:
    forget(instance.key_id)


post_save.connect(_forget_saved_key, sender=ApiKey, dispatch_uid="core:apikey_cache:save", weak=False)
post_delete.connect(_forget_saved_key, sender=ApiKey, dispatch_uid="core:apikey_cache:delete", weak=False)


def _touch(key: ApiKey, now) -> None:
    resolution = timedelta(seconds=current().api.last_used_resolution_seconds)
    if key.last_used_at is not None and now - key.last_used_at < resolution:
        return
    # Conditional update: concurrent requests write the column at most once per interval.
    ApiKey.objects.filter(pk=key.pk).filter(
        Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - resolution)
    ).update(last_used_at=now)
    key.last_used_at = now
    forget(key.key_id)  # the cached row has the old value; re-read it rather than write again


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
        audit_actor.set_actor(
            actor=f"key:{key.key_id}", actor_name=key.name, scope=",".join(key.scopes)
        )
        return principal, key

    def authenticate_header(self, request) -> str:
        return 'Bearer realm="chronos"'
