"""Instants as the API writes them (UTC ISO 8601 with ``Z``) and as HTTP servers send them."""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import parsedate_to_datetime


def iso_z(value: datetime | None) -> str | None:
    """``2025-03-03T09:00:00Z``: UTC with a ``Z``, microseconds only when there are any."""
    if value is None:
        return None
    if value.utcoffset():
        value = value.astimezone(UTC)
    # isoformat() is several times faster than strftime and drops zero microseconds itself.
    return value.replace(tzinfo=None).isoformat() + "Z"


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delay seconds or an HTTP date), never < 0.

    None when the header is missing or unreadable: the caller's own backoff applies.
    """
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:  # "-0000": UTC by RFC 5322
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())
