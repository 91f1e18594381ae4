"""How the API writes instants: UTC ISO 8601 with ``Z``."""

from __future__ import annotations

from datetime import UTC, datetime


def iso_z(value: datetime | None) -> str | None:
    """``2025-03-03T09:00:00Z``: UTC with a ``Z``, microseconds only when there are any."""
    if value is None:
        return None
    if value.utcoffset():
        value = value.astimezone(UTC)
    # isoformat() is several times faster than strftime and drops zero microseconds itself.
    return value.replace(tzinfo=None).isoformat() + "Z"
