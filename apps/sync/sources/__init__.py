"""Calendar sources and the factory that picks one for a calendar row."""

from __future__ import annotations

from apps.sync.sources.base import (
    CalendarSource,
    CredentialsError,
    Page,
    PreconditionFailed,
    PushResult,
    RemoteEvent,
    RemoteGone,
    SourceError,
    SyncTokenExpired,
    Window,
)

__all__ = ["CalendarSource", "CredentialsError", "Page", "PreconditionFailed", "PushResult", "RemoteEvent",
           "RemoteGone", "SourceError", "SyncTokenExpired", "Window", "source_for"]


def source_for(calendar, **kwargs) -> CalendarSource:
    """The source of ``calendar``. A Google calendar without usable credentials raises
    :class:`CredentialsError`; it never falls back to the mock source."""
    if calendar.source == "google":
        from apps.sync.sources.google import GoogleCalendarSource

        if not calendar.external_id:
            raise SourceError(f"calendar {calendar.id} has no Google calendar id (external_id)")
        return GoogleCalendarSource(calendar_id=calendar.external_id, calendar_tz=calendar.timezone, **kwargs)
    if calendar.source == "mock":
        from apps.sync.sources.mock import MockSource

        return MockSource(calendar_tz=calendar.timezone, **kwargs)
    raise SourceError(f"calendar {calendar.id} is local; there is nothing to sync")
