"""The small interface every calendar source implements, and the plain records it yields."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Protocol


class SourceError(Exception):
    """The source could not be reached or refused the request (after its own retries)."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class SyncTokenExpired(SourceError):
    """The incremental token is no longer valid (Google: 410 Gone): drop it and sync fully."""


class CredentialsError(SourceError):
    """Credentials are missing or unusable; the message is one line fit for /health and the admin."""


class RemoteGone(SourceError):
    """The remote event does not exist (any more): 404 or 410."""


class PreconditionFailed(SourceError):
    """The remote event changed since the version we based our change on (412)."""


@dataclass(frozen=True)
class Window:
    """Half-open sync window [start, end) in UTC."""

    start: datetime
    end: datetime

    def contains(self, start: datetime, end: datetime) -> bool:
        return start < self.end and end > self.start


@dataclass(slots=True)
class RemoteEvent:
    """One remote entry reduced to the fields we store; ``status == "cancelled"`` means deleted."""

    external_id: str
    status: str = "confirmed"
    etag: str = ""
    updated: datetime | None = None
    recurring_event_id: str = ""
    title: str = ""
    description: str = ""
    location: str = ""
    start_time: datetime | None = None
    end_time: datetime | None = None
    all_day: bool = False
    start_date: date | None = None
    end_date: date | None = None
    timezone: str = "UTC"
    attendees: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    transparency: str = "opaque"  # "transparent": shown as free or declined by the owner
    extra: dict[str, Any] = field(default_factory=dict)  # priority / event_type round-tripped via Chronos
    # A recurring series arrives as ONE record: start/end are its first occurrence, ``recurrence``
    # its RFC 5545 RRULE/EXDATE/RDATE lines, ``exceptions`` its moved/changed/cancelled
    # occurrences ({original_start, cancelled, start_time, end_time, overrides}) and
    # ``series_end`` the end of its last occurrence (None: the rule never ends). The puller stores
    # them as every series is stored: Event.recurrence and one EventException per exception.
    recurrence: list[str] = field(default_factory=list)
    exceptions: list[dict[str, Any]] = field(default_factory=list)
    series_end: datetime | None = None
    # (series_end, why the rule cannot be read or None) when the source expanded the rule itself
    # (apps.sync.ical): the puller reuses it for the same times instead of expanding it again.
    rule_end: tuple[datetime | None, str | None] | None = field(default=None, compare=False, repr=False)
    # Google sends a series' changed occurrences as records of their own: an instance names the
    # series (recurring_event_id) and its unmodified start.
    original_start: datetime | None = None

    @property
    def is_instance(self) -> bool:
        """One occurrence of a series (moved, changed or cancelled), not an event of its own."""
        return bool(self.recurring_event_id) and self.original_start is not None

    @property
    def cancelled(self) -> bool:
        return self.status == "cancelled"

    def snapshot(self) -> dict[str, Any]:
        """JSON-able form, kept on a conflict so a person can compare both versions."""
        return {
            "external_id": self.external_id, "status": self.status, "etag": self.etag,
            "updated": self.updated.isoformat() if self.updated else None,
            "title": self.title, "description": self.description, "location": self.location,
            "start_time": self.start_time.isoformat() if self.start_time else None,
            "end_time": self.end_time.isoformat() if self.end_time else None,
            "all_day": self.all_day,
            "start_date": self.start_date.isoformat() if self.start_date else None,
            "end_date": self.end_date.isoformat() if self.end_date else None,
            "timezone": self.timezone, "attendees": list(self.attendees), "tags": list(self.tags),
            "transparency": self.transparency,
            **({"extra": dict(self.extra)} if self.extra else {}),
            **({"recurrence": list(self.recurrence), "exceptions": list(self.exceptions)} if self.recurrence else {}),
        }

    def in_window(self, window: Window) -> bool:
        """Whether any occurrence can fall in ``window`` (a series: first start to last end)."""
        if self.recurrence:
            return self.start_time < window.end and (self.series_end is None or self.series_end > window.start)
        return window.contains(self.start_time, self.end_time)


@dataclass
class Page:
    items: list[RemoteEvent]
    next_sync_token: str | None = None  # only on the last page
    # The listing holds every entry the source has, although a token was sent (a feed that
    # answered 200 to a conditional GET): entries it lacks are gone, as after a full listing.
    complete: bool = False


@dataclass
class PushResult:
    """What the source answered to an insert/patch: the remote version now current."""

    external_id: str
    etag: str = ""
    updated: datetime | None = None


class CalendarSource(Protocol):
    """What the sync engine needs from a source. Implementations: Google, CalDAV, iCalendar feed, mock.

    ``body`` of insert/patch is the local :class:`~apps.events.models.Event` translated by the
    source's own ``body_for(event)``.
    """

    writable: bool

    def list_events(self, *, window: Window | None = None, sync_token: str | None = None) -> Iterator[Page]:
        """Full listing over ``window`` or the changes since ``sync_token``, page by page."""
        ...

    def get_event(self, external_id: str) -> RemoteEvent: ...

    def insert_event(self, body: dict[str, Any]) -> PushResult: ...

    def patch_event(self, external_id: str, body: dict[str, Any], *, if_match: str = "") -> PushResult: ...

    def delete_event(self, external_id: str, *, if_match: str = "") -> None: ...
