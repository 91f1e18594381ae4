"""Notes and URL payloads made from ``NOTIZ:``/``NOTE:`` and ``URL:`` entries.

The events app registers :func:`note_entry` and :func:`url_entry` with the ingest prefixes.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

from apps.events.models import Calendar, EntrySource, Note, UrlPayload
from apps.events.services import get_or_create_calendar
from apps.ingest.pipeline import IncomingEvent, PluginResult
from apps.ingest.prefixed import EntryRejected

_url = URLValidator(schemes=["http", "https"])


def _calendar(calendar_id: str) -> Calendar | None:
    return get_or_create_calendar(calendar_id) if calendar_id else None


def _source(event: IncomingEvent) -> str:
    return event.source if event.source in EntrySource.values else EntrySource.API


def _details(event: IncomingEvent) -> dict[str, Any]:
    return {
        "calendar_id": event.calendar_id,
        "external_id": event.external_id,
        "description": event.description,
        "location": event.location,
        "end_time": event.end_time.isoformat(),
        "all_day": event.all_day,
        "timezone": event.timezone,
        "attendees": list(event.attendees),
        "tags": list(event.tags),
        "original_title": event.title,
    }


def _already_stored(model, event: IncomingEvent):
    """A synced entry seen again (its deletion upstream failed) must not be stored twice."""
    if not event.external_id:
        return None
    return model.objects.filter(details__calendar_id=event.calendar_id, details__external_id=event.external_id).first()


def create_note(event: IncomingEvent, text: str) -> Note:
    text = text.strip()
    if not text:
        raise EntryRejected("NOTIZ/NOTE needs a text: NOTIZ: <text>")
    existing = _already_stored(Note, event)
    if existing is not None:
        return existing
    first_line = text.splitlines()[0].strip()
    return Note.objects.create(
        content=text,
        title=first_line[:120],
        calendar=_calendar(event.calendar_id),
        event_start=event.start_time,
        event_end=event.end_time,
        details=_details(event),
        source=_source(event),
    )


def create_url(event: IncomingEvent, text: str) -> UrlPayload:
    parts = text.strip().split(None, 1)
    if not parts:
        raise EntryRejected("URL needs an address: URL: <url> [title]")
    url = parts[0]
    title = parts[1].strip() if len(parts) > 1 else ""
    if len(url) > 2048:
        raise EntryRejected("URL is longer than 2048 characters")
    try:
        _url(url)
    except ValidationError:
        raise EntryRejected(f"URL {url!r} is not a valid http(s) URL") from None
    existing = _already_stored(UrlPayload, event)
    if existing is not None:
        return existing
    return UrlPayload.objects.create(
        url=url,
        title=title[:500],
        calendar=_calendar(event.calendar_id),
        event_start=event.start_time,
        details=_details(event),
        source=_source(event),
    )


def note_entry(event: IncomingEvent, text: str, config: dict[str, Any]) -> PluginResult:
    """``NOTIZ: <text>`` / ``NOTE: <text>``: the entry becomes a note."""
    note = create_note(event, text)
    return PluginResult.consume(created={"type": "note", "id": note.pk})


def url_entry(event: IncomingEvent, text: str, config: dict[str, Any]) -> PluginResult:
    """``URL: <url> [title]``: the entry becomes a URL payload."""
    payload = create_url(event, text)
    return PluginResult.consume(created={"type": "url", "id": payload.pk})
