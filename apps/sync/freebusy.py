"""Busy times of attendees whose own calendar is synced from Google (``freeBusy.query``).

Used by availability: an attendee counts as "Google-backed" when an enabled calendar with
source ``google`` has the attendee's e-mail as its ``external_id``. Attendees without such a
calendar appear in neither ``busy`` nor ``unknown`` (the caller uses stored events for them);
when Google cannot answer for an attendee, the attendee is listed in ``unknown`` with the
reason in ``errors``.
"""

from __future__ import annotations

import logging
from datetime import datetime

from apps.events.models import Calendar
from apps.events.scheduling.availability import ExternalBusy
from apps.sync.mapping import parse_datetime
from apps.sync.sources.base import SourceError

logger = logging.getLogger(__name__)

BATCH = 50  # Google answers at most 50 calendars per freeBusy query


def google_attendees(attendees: list[str]) -> list[str]:
    wanted = {a.strip().lower(): a for a in attendees if a and a.strip()}
    rows = Calendar.objects.filter(enabled=True, source=Calendar.Source.GOOGLE).values_list("external_id", flat=True)
    return [wanted[e.lower()] for e in rows if e and e.lower() in wanted]


def query(*, attendees: list[str], start: datetime, end: datetime, source=None) -> ExternalBusy:
    """Busy intervals (UTC) per Google-backed attendee over [start, end)."""
    result = ExternalBusy()
    targets = google_attendees(attendees)
    if not targets:
        return result
    try:
        if source is None:
            from apps.sync.sources.google import GoogleCalendarSource

            source = GoogleCalendarSource(calendar_id="primary", num_retries=1)
    except SourceError as exc:
        return _all_unknown(result, targets, str(exc))
    for offset in range(0, len(targets), BATCH):
        chunk = targets[offset:offset + BATCH]
        try:
            body = source.freebusy(calendar_ids=chunk, start=start, end=end)
        except Exception as exc:  # noqa: BLE001 - any failure: these attendees are unknown, never free
            logger.warning("freeBusy query failed: %s", exc)
            _all_unknown(result, chunk, str(exc))
            continue
        calendars = body.get("calendars") or {}
        for attendee in chunk:
            entry = calendars.get(attendee)
            if entry is None:
                entry = next((v for k, v in calendars.items() if k.lower() == attendee.lower()), None)
            if entry is None or entry.get("errors"):
                reason = ((entry or {}).get("errors") or [{"reason": "no answer"}])[0].get("reason", "error")
                result.unknown.append(attendee)
                result.errors[attendee] = f"Google freeBusy: {reason}"
                continue
            result.busy[attendee] = sorted(
                (parse_datetime(b["start"]), parse_datetime(b["end"])) for b in entry.get("busy") or []
            )
    return result


def _all_unknown(result: ExternalBusy, attendees: list[str], reason: str) -> ExternalBusy:
    for attendee in attendees:
        result.unknown.append(attendee)
        result.errors[attendee] = reason
    return result
