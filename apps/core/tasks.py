"""Periodic housekeeping run by the worker."""

from __future__ import annotations

from apps.core import idempotency


def prune_idempotency_records() -> int:
    return idempotency.prune()
