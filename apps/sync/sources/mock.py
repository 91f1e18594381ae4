"""The built-in mock source: deterministic sample events so a fresh install shows a living calendar.

It lists exactly what :func:`apps.events.sample.generate` produces for today (the same call the
first start makes), so ids match the sample events already stored and the first sync changes
nothing. Its token is "the day it was issued": the same day nothing changed, on a new day the
token is expired and a full sync rolls the calendar forward.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import UTC, date
from typing import Any

from django.utils import timezone

from apps.events.sample import generate
from apps.sync.sources.base import Page, RemoteEvent, SourceError, SyncTokenExpired, Window


class MockSource:
    """Read-only: local edits on a mock calendar stay local."""

    writable = False

    def __init__(self, *, calendar_tz: str = "Europe/Berlin", today: date | None = None) -> None:
        self.calendar_tz = calendar_tz
        self.today = today or timezone.localdate()

    def _token(self) -> str:
        return f"mock:{self.today.isoformat()}"

    def _events(self) -> list[RemoteEvent]:
        out = []
        for item in generate(around=self.today, tz=self.calendar_tz):
            remote = RemoteEvent(
                external_id=item.external_id, title=item.title, description=item.description,
                location=item.location, start_time=item.start.astimezone(UTC), end_time=item.end.astimezone(UTC),
                all_day=item.all_day, start_date=item.start_date, end_date=item.end_date,
                timezone=self.calendar_tz, attendees=list(item.attendees), tags=list(item.tags),
                extra={"event_type": item.event_type},
            )
            remote.etag = hashlib.sha1(repr(remote.snapshot()).encode()).hexdigest()[:16]
            out.append(remote)
        return out

    def list_events(self, *, window: Window | None = None, sync_token: str | None = None) -> Iterator[Page]:
        if sync_token:
            if sync_token != self._token():
                raise SyncTokenExpired("mock token from another day", status=410)
            yield Page(items=[], next_sync_token=self._token())
            return
        items = [e for e in self._events() if window is None or window.contains(e.start_time, e.end_time)]
        yield Page(items=items, next_sync_token=self._token())

    def get_event(self, external_id: str) -> RemoteEvent:
        for event in self._events():
            if event.external_id == external_id:
                return event
        raise SourceError(f"mock event {external_id} not found", status=404)

    def _read_only(self, *args: Any, **kwargs: Any) -> Any:
        raise SourceError("the mock calendar is read-only", status=405)

    insert_event = patch_event = delete_event = _read_only
