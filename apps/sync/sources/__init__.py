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
    """The source of ``calendar``. A calendar without usable credentials raises
    :class:`CredentialsError`; it never falls back to the mock source."""
    if calendar.source == "google":
        from apps.sync.sources.google import GoogleCalendarSource

        if not calendar.external_id:
            raise SourceError(f"calendar {calendar.id} has no Google calendar id (external_id)")
        return GoogleCalendarSource(calendar_id=calendar.external_id, calendar_tz=calendar.timezone, **kwargs)
    if calendar.source in ("caldav", "ics"):
        if not calendar.url:
            raise SourceError(f"calendar {calendar.id} has no URL")
        try:
            password = calendar.get_password()
        except Exception as exc:  # noqa: BLE001 - SecretUnreadable: SECRET_KEY changed since it was saved
            raise CredentialsError(f"the stored password of calendar {calendar.id} cannot be read ({exc}); "
                                   "enter it again") from None
        common = {"url": calendar.url, "username": calendar.username, "password": password,
                  "calendar_tz": calendar.timezone}
        if calendar.source == "ics":
            from apps.sync.sources.ics import IcsFeedSource

            return IcsFeedSource(**common, **kwargs)
        from apps.sync.models import EventSyncMeta
        from apps.sync.sources.caldav import CalDAVSource

        def known_etags() -> dict[str, str]:
            return dict(EventSyncMeta.objects.filter(calendar=calendar).values_list("external_id", "etag"))

        return CalDAVSource(**common, known_etags=known_etags, **kwargs)
    if calendar.source == "mock":
        from apps.sync.sources.mock import MockSource

        return MockSource(calendar_tz=calendar.timezone, **kwargs)
    raise SourceError(f"calendar {calendar.id} is local; there is nothing to sync")
