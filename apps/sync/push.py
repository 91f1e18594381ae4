"""Write-back: local creates/edits/deletes on Google- and CalDAV-backed calendars, queued and pushed.

Recording a change (called from the Event signal receivers) only writes a ``PendingPush`` row in
the caller's transaction and asks for a push after commit. Pushing happens in the worker, under
the calendar's lock, outside any transaction, and each outcome is written in its own short one.

Conflict rule (see docs/sync.md): a local change is sent with ``If-Match: <etag we based it on>``.
If the remote event changed since (412, or the pull sees a newer remote version while the change
is unpushed), or it was deleted remotely while edited locally, nothing is overwritten on either
side: the row becomes ``conflict`` with the remote version attached, the run and the audit log
report it, and a person decides in the admin (keep local / take remote).
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from apps.events.models import Calendar, Event, EventException
from apps.sync.engine import Counts, conflict
from apps.sync.mapping import event_hash, to_google, zone
from apps.sync.models import EventSyncMeta, PendingPush
from apps.sync.origin import remote_changes
from apps.sync.sources.base import (
    CalendarSource,
    PreconditionFailed,
    PushResult,
    RemoteEvent,
    RemoteGone,
    SourceError,
)
from chronos.config import current

logger = logging.getLogger(__name__)


WRITABLE = (Calendar.Source.GOOGLE, Calendar.Source.CALDAV)


def new_external_id(source: str = Calendar.Source.GOOGLE) -> str:
    # Google accepts client-chosen ids of base32hex characters (0-9, a-v); hex fits. Choosing the
    # id ourselves makes a retried insert idempotent (409 = it is already there). On CalDAV the id
    # is the resource name, which by custom ends in .ics.
    value = uuid.uuid4().hex
    return f"{value}.ics" if source == Calendar.Source.CALDAV else value


def _enqueue_push(calendar_id: str) -> None:
    from django_q.tasks import async_task

    try:
        async_task("apps.sync.tasks.push_calendar", calendar_id, group="sync", task_name=f"push {calendar_id}"[:100])
    except Exception:  # noqa: BLE001 - the row is safe; the scheduled sync pushes it otherwise
        logger.exception("could not enqueue push for %s; the next scheduled sync will push", calendar_id)


def schedule_push(calendar_id: str) -> None:
    transaction.on_commit(lambda: _enqueue_push(calendar_id))


def _writable_source(calendar_id: str) -> str | None:
    """The source of a calendar whose local changes are written back, else None."""
    source = Calendar.objects.filter(pk=calendar_id).values_list("source", flat=True).first()
    return source if source in WRITABLE else None


def record_saved(event: Event, *, created: bool) -> None:
    """Queue an insert or patch for a locally saved event of a Google- or CalDAV-backed calendar."""
    # A create or update usually has the calendar at hand already.
    cached = event.calendar if Event.calendar.is_cached(event) else None
    source = (cached.source if cached.source in WRITABLE else None) if cached is not None else \
        _writable_source(event.calendar_id)
    if source is None:
        return
    with transaction.atomic():
        if not event.external_id:
            event.external_id = new_external_id(source)
            Event.objects.filter(pk=event.pk).update(external_id=event.external_id)
        pending = PendingPush.objects.filter(calendar_id=event.calendar_id, external_id=event.external_id).first()
        if pending is not None:
            if pending.op == PendingPush.Op.DELETE and pending.reason == PendingPush.Reason.CONSUMED:
                return
            # Fold into the open change; the revision bump tells an in-flight push to keep the row.
            # Conditional on the revision read: a push that finished meanwhile may have deleted the
            # row (PostgreSQL, READ COMMITTED), and then this edit needs a row of its own below.
            op = PendingPush.Op.PATCH if pending.op == PendingPush.Op.DELETE else pending.op
            folded = PendingPush.objects.filter(pk=pending.pk, revision=pending.revision).update(
                event=event, op=op, revision=pending.revision + 1, updated_at=timezone.now())
            if not folded:
                pending = None
        if pending is None:
            meta = EventSyncMeta.objects.filter(calendar_id=event.calendar_id, external_id=event.external_id).first()
            if meta is not None and meta.content_hash == event_hash(event):
                return  # only local fields changed (checklist, mode …): nothing to tell Google
            PendingPush.objects.create(
                calendar_id=event.calendar_id, event=event, external_id=event.external_id,
                op=PendingPush.Op.INSERT if meta is None else PendingPush.Op.PATCH,
                base_etag=(meta.etag if meta else "") or "",
            )
    schedule_push(event.calendar_id)


def remote_instance_id(series: Event, original_start) -> str:
    """Google's id of one occurrence of a series: ``<master id>_<UTC start>`` (all-day: ``_<date>``)."""
    from apps.events.recurrence import instance_id

    return f"{series.external_id}_{instance_id(series, original_start).split('_', 1)[1]}"


def record_occurrence(exception: EventException) -> None:
    """Queue a local change of one occurrence of a Google series: a patch, or a delete when cancelled."""
    series = Event.objects.filter(pk=exception.series_id).first()
    if series is None or not series.external_id or _writable_source(series.calendar_id) != Calendar.Source.GOOGLE:
        return
    external_id = remote_instance_id(series, exception.original_start)
    op = PendingPush.Op.DELETE if exception.cancelled else PendingPush.Op.PATCH
    with transaction.atomic():
        pending = PendingPush.objects.filter(calendar_id=series.calendar_id, external_id=external_id).first()
        if pending is not None:
            PendingPush.objects.filter(pk=pending.pk).update(op=op, event=series, revision=pending.revision + 1,
                                                             updated_at=timezone.now())
        else:
            PendingPush.objects.create(calendar_id=series.calendar_id, event=series, external_id=external_id, op=op,
                                       base_etag=exception.etag or "")
    schedule_push(series.calendar_id)


def occurrence_body(series: Event, external_id: str) -> dict:
    """The patch for one changed occurrence: its times and the fields it overrides."""
    from apps.events.models import EventException
    from apps.events.recurrence import occurrence_at, original_start_of

    original = original_start_of(series, external_id.rsplit("_", 1)[1])
    exception = EventException.objects.filter(series=series, original_start=original).first()
    occ = occurrence_at(series, original, exception)
    body = to_google(series)
    body.pop("recurrence", None)
    tz = series.timezone or "UTC"
    if series.all_day:
        first, last = occ.local_dates()
        body["start"], body["end"] = {"date": first.isoformat()}, {"date": last.isoformat()}
    else:
        body["start"] = {"dateTime": occ.start.astimezone(zone(tz)).isoformat(), "timeZone": tz}
        body["end"] = {"dateTime": occ.end.astimezone(zone(tz)).isoformat(), "timeZone": tz}
    body["summary"], body["description"], body["location"] = (occ.value("title"), occ.value("description"),
                                                              occ.value("location"))
    body["attendees"] = [{"email": a} for a in occ.value("attendees") or []]
    return body


def record_deleted(event: Event) -> None:
    """Queue a delete for a locally deleted event that exists on its (writable) source."""
    if not event.external_id or _writable_source(event.calendar_id) is None:
        return
    with transaction.atomic():
        pending = PendingPush.objects.filter(calendar_id=event.calendar_id, external_id=event.external_id).first()
        if pending is not None:
            if pending.op == PendingPush.Op.INSERT and pending.status == PendingPush.Status.PENDING:
                pending.delete()  # never reached Google: nothing to undo there
                return
            pending.op, pending.event = PendingPush.Op.DELETE, None
            pending.revision += 1
            pending.save(update_fields=["op", "event", "revision", "updated_at"])
        else:
            meta = EventSyncMeta.objects.filter(calendar_id=event.calendar_id, external_id=event.external_id).first()
            PendingPush.objects.create(calendar_id=event.calendar_id, external_id=event.external_id,
                                       op=PendingPush.Op.DELETE, base_etag=(meta.etag if meta else event.etag) or "")
    schedule_push(event.calendar_id)


# -- pushing -------------------------------------------------------------------------------

def _remote_or_none(source: CalendarSource, external_id: str) -> RemoteEvent | None:
    try:
        return source.get_event(external_id)
    except SourceError:
        return None


def _done(pending: PendingPush, seen_revision: int, result: PushResult | None, event: Event | None,
          now: datetime) -> None:
    """Record a successful push; a local edit made meanwhile stays queued on top of it."""
    with transaction.atomic(), remote_changes():
        current = PendingPush.objects.filter(pk=pending.pk).first()
        if result is not None:
            if event is not None:
                Event.objects.filter(pk=event.pk).update(etag=result.etag[:255])
            EventSyncMeta.objects.update_or_create(
                calendar_id=pending.calendar_id, external_id=pending.external_id,
                defaults={"etag": result.etag[:255], "remote_updated": result.updated, "last_pushed_at": now,
                          "content_hash": event_hash(event) if event is not None else ""})
        else:
            EventSyncMeta.objects.filter(calendar_id=pending.calendar_id, external_id=pending.external_id).delete()
        if current is None:
            return
        if current.revision != seen_revision and current.op != PendingPush.Op.DELETE and result is not None:
            current.op, current.base_etag, current.attempts = PendingPush.Op.PATCH, result.etag[:255], 0
            current.save(update_fields=["op", "base_etag", "attempts", "updated_at"])
        elif current.revision != seen_revision and current.op == PendingPush.Op.DELETE:
            current.base_etag = result.etag[:255] if result is not None else current.base_etag
            current.save(update_fields=["base_etag", "updated_at"])
        # Delete only the revision this push sent: a local edit committed since our read (it
        # bumps the revision) must stay queued, as a patch on top of what was just pushed.
        elif not PendingPush.objects.filter(pk=current.pk, revision=current.revision).delete()[0]:
            newer = PendingPush.objects.filter(pk=current.pk).first()
            if newer is not None and result is not None and newer.op != PendingPush.Op.DELETE:
                PendingPush.objects.filter(pk=newer.pk).update(
                    op=PendingPush.Op.PATCH, base_etag=result.etag[:255], attempts=0, updated_at=timezone.now())


def _failed(pending: PendingPush, exc: Exception, counts: Counts, now: datetime) -> None:
    attempts = pending.attempts + 1
    delay = current().sync.push_backoff_seconds * (2 ** min(attempts - 1, 10))
    status = PendingPush.Status.FAILED if attempts >= current().sync.push_max_attempts else PendingPush.Status.PENDING
    PendingPush.objects.filter(pk=pending.pk).update(attempts=attempts, last_error=str(exc)[:1000], status=status,
                                                     next_attempt_at=now + timedelta(seconds=delay), updated_at=now)
    counts.error("push", str(exc), external_id=pending.external_id, op=pending.op, attempts=attempts)


def _body(source: CalendarSource, event: Event) -> dict:
    body_for = getattr(source, "body_for", None)
    return body_for(event) if body_for is not None else to_google(event)


def push_one(pending: PendingPush, source: CalendarSource, counts: Counts, *, now: datetime) -> None:
    seen = pending.revision
    event = Event.objects.filter(pk=pending.event_id).first() if pending.event_id else None
    if_match = "" if pending.force or pending.reason == PendingPush.Reason.CONSUMED else pending.base_etag
    try:
        if pending.op == PendingPush.Op.DELETE:
            try:
                source.delete_event(pending.external_id, if_match=if_match)
            except RemoteGone:
                pass  # 404/410: already gone, which is what we wanted
            _done(pending, seen, None, None, now)
        elif event is None:
            PendingPush.objects.filter(pk=pending.pk, revision=seen).delete()
            return
        elif pending.op == PendingPush.Op.INSERT:
            body = {**_body(source, event), "id": pending.external_id}
            try:
                result = source.insert_event(body)
            except SourceError as exc:
                if exc.status != 409:
                    raise
                remote = source.get_event(pending.external_id)  # an earlier attempt got through
                result = PushResult(external_id=remote.external_id, etag=remote.etag, updated=remote.updated)
            _done(pending, seen, result, event, now)
        elif pending.external_id != event.external_id:
            # One occurrence of a series: its own instance id, body and etag.
            result = source.patch_event(pending.external_id, occurrence_body(event, pending.external_id),
                                        if_match=if_match)
            _done(pending, seen, result, None, now)
        else:
            result = source.patch_event(pending.external_id, _body(source, event), if_match=if_match)
            _done(pending, seen, result, event, now)
        counts.pushed += 1
    except PreconditionFailed:
        # Fetched before atomic(): an HTTP call must not hold the (SQLite: whole-database) write lock.
        remote = _remote_or_none(source, pending.external_id)
        with transaction.atomic():
            conflict(pending, remote, counts, f"remote event changed since the local {pending.op} was made (412)")
    except RemoteGone:
        with transaction.atomic():
            conflict(pending, None, counts, f"remote event was deleted while a local {pending.op} was not yet pushed")
    except SourceError as exc:
        _failed(pending, exc, counts, now)


def push_pending(calendar: Calendar, source: CalendarSource, counts: Counts, *, now: datetime | None = None,
                 limit: int = 1000) -> None:
    """Push every due change of ``calendar`` (the caller holds the calendar's lock)."""
    if not getattr(source, "writable", False):
        return
    now = now or timezone.now()
    due = list(PendingPush.objects.filter(calendar=calendar, status=PendingPush.Status.PENDING,
                                          next_attempt_at__lte=now).order_by("id")[:limit])
    for pending in due:
        push_one(pending, source, counts, now=now)
