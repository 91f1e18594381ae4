"""A lease lock per calendar: two syncs (or a sync and a push) of one calendar never overlap.

Taken with one conditional UPDATE on ``SyncState`` (free or expired -> ours) and checked by
row count, so it works the same on SQLite and PostgreSQL and needs no long transaction. A
worker that dies holding it blocks the calendar only until ``sync.lock_ttl_seconds`` passes.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.db.models import Q
from django.utils import timezone

from apps.sync.models import SyncState
from chronos.config import current


def ttl() -> timedelta:
    return timedelta(seconds=current().sync.lock_ttl_seconds)


def new_owner() -> str:
    return uuid.uuid4().hex


def acquire(calendar_id: str, owner: str, *, now=None) -> bool:
    now = now or timezone.now()
    SyncState.objects.get_or_create(calendar_id=calendar_id)
    free = Q(lock_owner="") | Q(lock_expires_at__isnull=True) | Q(lock_expires_at__lte=now)
    return SyncState.objects.filter(free, calendar_id=calendar_id).update(
        lock_owner=owner, lock_expires_at=now + ttl()) == 1


def renew(calendar_id: str, owner: str) -> bool:
    """Extend our lease; False means it expired and someone else took it."""
    return SyncState.objects.filter(calendar_id=calendar_id, lock_owner=owner).update(
        lock_expires_at=timezone.now() + ttl()) == 1


def release(calendar_id: str, owner: str) -> None:
    SyncState.objects.filter(calendar_id=calendar_id, lock_owner=owner).update(lock_owner="", lock_expires_at=None)
