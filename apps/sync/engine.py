"""Pulling a calendar: full listing over the window or the changes since the stored token.

Every page is fetched first (outside any transaction: no network while holding SQLite's write
lock), reduced to compact :class:`RemoteEvent` records. They are then written in batches of
``sync.batch_size`` with bulk inserts/updates; the new sync token is stored in the same
transaction as the last batch, so a token is never saved for changes that were not committed.
A crash halfway leaves no token and the next run simply lists again (upserts are idempotent).

New or changed entries pass through the plugin pipeline (source ``calendar``), with the same
meaning as the API's ingest: consumed -> not stored and deleted from the source (queued as a
push so a failing delete is retried), rejected or failed plugin -> stored and flagged in
``plugin_error`` with an audit entry.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q

from apps.audit.registry import record as audit_record
from apps.events import recurrence
from apps.events.blocking import stored_transparency
from apps.events.models import Calendar, Event, EventException
from apps.events.occurrences import store_occurrences
from apps.ingest.pipeline import IncomingEvent, load_plugins, run_pipeline
from apps.ingest.services import notify_stored
from apps.sync import lock
from apps.sync.bulk import RowWriter
from apps.sync.mapping import event_hash, remote_hash, rule_end
from apps.sync.models import EventSyncMeta, PendingPush, SyncState
from apps.sync.origin import remote_changes
from apps.sync.sources.base import CalendarSource, RemoteEvent, SyncTokenExpired, Window
from chronos.config import current

logger = logging.getLogger(__name__)

META_FIELDS = ["etag", "remote_updated", "recurring_event_id", "content_hash", "consumed"]
# An instance's columns as the sync writes them; the occurrence-shaping ones decide "changed".
_OCCURRENCE_FIELDS = ("cancelled", "start_time", "end_time", "overrides")
_EXCEPTION_FIELDS = ("external_id", "etag", *_OCCURRENCE_FIELDS)
# What a series' end is computed from, besides its rule.
_TIMING = ("start_time", "end_time", "all_day", "start_date", "end_date", "timezone")
_PRIORITIES = set(Event.Priority.values)
_TYPES = set(Event.EventType.values)


@dataclass
class Counts:
    fetched: int = 0
    created: int = 0
    updated: int = 0
    deleted: int = 0
    consumed: int = 0
    pushed: int = 0
    conflicts: int = 0
    full: bool = False
    errors: list[dict[str, Any]] = field(default_factory=list)

    def error(self, kind: str, detail: str, **extra: Any) -> None:
        # A run that meets thousands of bad entries keeps the first 200 reasons, not megabytes.
        if len(self.errors) < 200:
            self.errors.append({"type": kind, "detail": detail[:500], **extra})


def window_for(calendar: Calendar, now: datetime) -> Window:
    return Window(start=now - timedelta(days=calendar.sync_past_days),
                  end=now + timedelta(days=calendar.sync_future_days))


def _chunks(items: list, size: int):
    for offset in range(0, len(items), size):
        yield items[offset:offset + size]


def conflict(pending: PendingPush, remote: RemoteEvent | None, counts: Counts, detail: str) -> None:
    """Park a local change: neither side is overwritten until someone decides (admin)."""
    first = pending.status != PendingPush.Status.CONFLICT
    pending.status = PendingPush.Status.CONFLICT
    pending.last_error = detail
    if remote is not None:
        pending.remote_snapshot = remote.snapshot()
    pending.save(update_fields=["status", "last_error", "remote_snapshot", "updated_at"])
    counts.conflicts += 1
    counts.error("conflict", detail, external_id=pending.external_id, event_id=pending.event_id, op=pending.op)
    if first:
        audit_record(action="sync.conflict", entity="event", entity_id=pending.event_id or pending.external_id,
                     changes={"op": [None, pending.op], "detail": [None, detail],
                              "remote": [None, pending.remote_snapshot]})


class Puller:
    """Applies one listing of a calendar's source to the local store."""

    def __init__(self, calendar: Calendar, source: CalendarSource, counts: Counts, *, now: datetime,
                 owner: str = "") -> None:
        self.calendar = calendar
        self.source = source
        self.counts = counts
        self.now = now
        self.owner = owner
        self.window = window_for(calendar, now)
        self.batch_size = current().sync.batch_size
        self.plugins = load_plugins()
        self.writable = bool(getattr(source, "writable", False))
        # CalDAV and feeds send a series' changed occurrences inside its entry (RemoteEvent.exceptions);
        # Google sends them as records of their own (RemoteEvent.is_instance).
        self.inline_exceptions = bool(getattr(source, "inline_exceptions", False))

    # -- fetching -------------------------------------------------------------------------
    def fetch(self, *, full: bool) -> tuple[list[RemoteEvent], str, bool]:
        """All records of one listing, the token for next time, and whether it was full."""
        token = "" if full else SyncState.objects.filter(calendar=self.calendar).values_list(
            "sync_token", flat=True).first() or ""
        try:
            records, next_token, complete = self._list(token)
            return records, next_token, complete or not token
        except SyncTokenExpired as exc:
            logger.info("sync token of %s expired; listing fully", self.calendar.id)
            SyncState.objects.filter(calendar=self.calendar).update(sync_token="")
            self.counts.error("token_expired", f"sync token expired ({exc.status}); full sync done instead")
            records, next_token, _ = self._list("")
            return records, next_token, True

    def _list(self, token: str) -> tuple[list[RemoteEvent], str, bool]:
        records: dict[str, RemoteEvent] = {}
        next_token = ""
        complete = False
        pages = self.source.list_events(window=None if token else self.window, sync_token=token or None)
        for page in pages:
            for item in page.items:
                records[item.external_id] = item  # a later page wins for an id seen twice
            if page.next_sync_token:
                next_token = page.next_sync_token
            complete = complete or page.complete
        self.counts.fetched += len(records)
        return list(records.values()), next_token, complete

    # -- applying -------------------------------------------------------------------------
    def pull(self, *, full: bool) -> None:
        records, token, was_full = self.fetch(full=full)
        # Instances of a series last: their masters are stored by then (stable sort).
        records.sort(key=lambda r: r.is_instance)
        self.counts.full = was_full
        batches = list(_chunks(records, self.batch_size)) or [[]]
        for index, batch in enumerate(batches):
            last = index == len(batches) - 1
            with transaction.atomic(), remote_changes():
                self._apply(batch)
                if last:
                    if was_full:
                        self._reconcile(records)
                    SyncState.objects.filter(calendar=self.calendar).update(sync_token=token)
            if self.owner:
                lock.renew(self.calendar.id, self.owner)

    def _incoming(self, remote: RemoteEvent, event_id: int | None) -> IncomingEvent:
        return IncomingEvent(
            title=remote.title, start_time=remote.start_time, end_time=remote.end_time,
            calendar_id=self.calendar.id, source="calendar", description=remote.description,
            location=remote.location, all_day=remote.all_day, start_date=remote.start_date,
            end_date=remote.end_date, timezone=remote.timezone, external_id=remote.external_id,
            attendees=list(remote.attendees), tags=list(remote.tags), transparency=remote.transparency,
            extra={**remote.extra, **({"event_id": event_id} if event_id else {})},
        )

    def _fields(self, data: IncomingEvent, remote: RemoteEvent, flag: str) -> dict[str, Any]:
        """Column values (by attname) of the local copy of ``remote`` after the pipeline."""
        row: dict[str, Any] = {
            "title": (data.title or "(no title)")[:500], "description": data.description,
            "location": (data.location or "")[:500], "start_time": data.start_time, "end_time": data.end_time,
            "duration_seconds": int((data.end_time - data.start_time).total_seconds()),
            "all_day": data.all_day, "start_date": data.start_date if data.all_day else None,
            "end_date": data.end_date if data.all_day else None, "timezone": data.timezone or "UTC",
            "attendees": list(data.attendees), "tags": list(data.tags), "etag": remote.etag[:255],
            "transparency": stored_transparency(data.transparency),
            "plugin_error": flag, "updated_at": self.now,
            "recurrence": [], "is_recurring": False, "series_end": None,
        }
        if remote.recurrence:
            self._series_fields(row, remote)
        priority, kind = data.extra.get("priority"), data.extra.get("event_type")
        if priority in _PRIORITIES:
            row["priority"] = priority
        if kind in _TYPES:
            row["event_type"] = kind
        return row

    def _series_fields(self, row: dict[str, Any], remote: RemoteEvent) -> None:
        """A master's rule, with the columns Event.save() would derive (bulk writes skip it)."""
        timing = {name: row[name] for name in _TIMING}
        if remote.rule_end is not None and timing == {name: getattr(remote, name) for name in _TIMING}:
            end, problem = remote.rule_end  # the source expanded the rule over these very times (CalDAV, feeds)
        else:
            end, problem = rule_end(remote.recurrence, **timing)
        if problem is not None:
            # Kept as a single event, flagged: a person sees why its series is missing.
            row["plugin_error"] = (row["plugin_error"] + "; " if row["plugin_error"] else "") + f"recurrence: {problem}"
            return
        row.update(recurrence=list(remote.recurrence), is_recurring=True, series_end=end)

    def _apply_instances(self, items: list[RemoteEvent]) -> None:
        """Changed or cancelled occurrences of series: stored as exceptions of their master.

        Compared with the stored exceptions first: only a new or changed occurrence counts as
        ``updated`` (its series changed) and re-stores its series' occurrences; a new etag on the
        same content is refreshed without counting, as for events.
        """
        cal, counts = self.calendar, self.counts
        masters = {e.external_id: e for e in Event.objects.filter(
            calendar=cal, external_id__in={r.recurring_event_id for r in items}, is_recurring=True)}
        wanted: dict[tuple[int, datetime], dict[str, Any]] = {}  # a later record wins, as update_or_create did
        for remote in items:
            series = masters.get(remote.recurring_event_id)
            if series is None:
                # Its master is gone or outside what we keep: nothing to attach the change to.
                continue
            values: dict[str, Any] = {"external_id": remote.external_id[:1024], "etag": remote.etag[:255]}
            if remote.cancelled:
                values.update(cancelled=True, start_time=None, end_time=None, overrides={})
            else:
                planned = recurrence.occurrence_at(series, remote.original_start)
                moved = (remote.start_time, remote.end_time) != (planned.start, planned.end)
                overrides = {name: value for name, value in (
                    ("title", remote.title), ("description", remote.description), ("location", remote.location),
                    ("attendees", list(remote.attendees))) if value != getattr(series, name)}
                values.update(cancelled=False, start_time=remote.start_time if moved else None,
                              end_time=remote.end_time if moved else None, overrides=overrides)
            wanted[(series.pk, remote.original_start)] = values
        if not wanted:
            return
        stored: dict[tuple[int, datetime], dict[str, Any]] = {}
        for chunk in _chunks(sorted({pk for pk, _ in wanted}), 500):
            stored.update(((row["series_id"], row["original_start"]), row) for row in EventException.objects.filter(
                series_id__in=chunk).values("id", "series_id", "original_start", *_EXCEPTION_FIELDS))
        creates: list[dict[str, Any]] = []
        updates: list[dict[str, Any]] = []
        changed: set[int] = set()  # series whose occurrences differ now
        for (series_id, original_start), values in wanted.items():
            old = stored.get((series_id, original_start))
            if old is None:
                creates.append({**values, "series_id": series_id, "original_start": original_start,
                                "created_at": self.now, "updated_at": self.now})
            elif any(old[name] != values[name] for name in _EXCEPTION_FIELDS):
                updates.append({**values, "id": old["id"], "updated_at": self.now})
                if all(old[name] == values[name] for name in _OCCURRENCE_FIELDS):
                    continue  # a new etag (or id) only: refreshed, not counted
            else:
                continue  # unchanged
            changed.add(series_id)
            counts.updated += 1
        writer = RowWriter(EventException, now=self.now)
        writer.insert(creates)
        writer.update(updates, [*_EXCEPTION_FIELDS, "updated_at"])
        # Written without EventException.save() and its signals: the series' stored occurrences
        # and the listeners of changed events (timed entries) are brought along here.
        store_occurrences(sorted(changed))
        notify_stored(sorted(changed))

    def _apply(self, batch: list[RemoteEvent]) -> None:
        instances = [r for r in batch if r.is_instance]
        if instances:
            batch = [r for r in batch if not r.is_instance]
        self._apply_rows(batch)
        if instances:
            self._apply_instances(instances)

    def _apply_rows(self, batch: list[RemoteEvent]) -> None:
        cal, counts = self.calendar, self.counts
        ids = [r.external_id for r in batch]
        local: dict[str, tuple[int, str]] = {}  # external id -> (pk, etag)
        metas: dict[str, tuple[str, datetime | None, str, bool]] = {}  # external id -> (etag, updated, hash, consumed)
        pendings: dict[str, PendingPush] = {}
        for chunk in _chunks(ids, 500):
            local.update((ext, (pk, etag)) for pk, ext, etag in Event.objects.filter(
                calendar=cal, external_id__in=chunk).values_list("pk", "external_id", "etag"))
            metas.update((ext, (etag, updated, digest, used)) for ext, etag, updated, digest, used in
                         EventSyncMeta.objects.filter(calendar=cal, external_id__in=chunk).values_list(
                             "external_id", "etag", "remote_updated", "content_hash", "consumed"))
            pendings.update((p.external_id, p) for p in PendingPush.objects.filter(calendar=cal, external_id__in=chunk))

        creates: list[dict[str, Any]] = []
        updates: list[dict[str, Any]] = []
        refreshed: list[dict[str, Any]] = []
        delete_ext: set[str] = set()
        consumed_ext: set[str] = set()
        meta_rows: list[dict[str, Any]] = []
        new_pushes: list[PendingPush] = []
        flagged: list[tuple[str, str]] = []
        cancelled_series: list[str] = []
        consumed_meta: list[dict[str, Any]] = []
        inline: dict[str, RemoteEvent] = {}  # series (or former series) whose exceptions came inside
        recurring: set[str] = set()  # those of them stored as series (their rule could be read)

        for remote in batch:
            eid = remote.external_id
            pending = pendings.get(eid)
            meta = metas.get(eid)
            if pending is not None:
                if pending.reason == PendingPush.Reason.CONSUMED:
                    continue  # already turned into a command; waiting for the remote delete
                echo = meta is not None and remote.etag and remote.etag == meta[0]
                newer = meta is None or meta[1] is None or remote.updated is None or remote.updated > meta[1]
                if not echo and newer:
                    what = "deleted" if remote.cancelled else "changed"
                    conflict(pending, remote, counts,
                             f"remote event {what} while a local {pending.op} was not yet pushed")
                continue
            if remote.cancelled:
                delete_ext.add(eid)
                cancelled_series.append(eid)
                continue
            if meta is not None and meta[3] and eid not in local and remote.etag == meta[0]:
                continue  # this version was consumed already (read-only source: it stays there)
            if not remote.in_window(self.window):
                if eid in local:
                    delete_ext.add(eid)  # moved out of the window: no longer ours to keep
                continue
            stored = local.get(eid)
            if stored is not None and remote.etag and stored[1] == remote.etag:
                continue  # unchanged
            digest = remote_hash(remote)
            if stored is not None:
                known = meta[2] if meta is not None else event_hash(Event.objects.get(pk=stored[0]))
                if known == digest:
                    # A new version with the same content (or a first sync over sample data).
                    refreshed.append({"id": stored[0], "etag": remote.etag[:255], "updated_at": self.now})
                    meta_rows.append(self._meta(remote, digest))
                    continue
            result = run_pipeline(self._incoming(remote, stored[0] if stored else None), self.plugins)
            if result.consumed:
                counts.consumed += 1
                if stored is not None:
                    consumed_ext.add(eid)  # counted as consumed, not as a deletion
                if not self.writable:
                    consumed_meta.append({**self._meta(remote, digest), "consumed": True})
                    continue
                new_pushes.append(PendingPush(calendar=cal, external_id=eid, op=PendingPush.Op.DELETE,
                                              reason=PendingPush.Reason.CONSUMED, created_at=self.now,
                                              next_attempt_at=self.now))
                continue
            flag = ""
            if result.rejected_by:
                flag = f"rejected by {result.rejected_by}: {result.rejection}"
            elif result.error:
                flag = result.error
            row = self._fields(result.event or self._incoming(remote, None), remote, flag)
            if self.inline_exceptions and (row["is_recurring"] or stored is not None):
                inline[eid] = remote
                if row["is_recurring"]:
                    recurring.add(eid)
            if stored is None:
                creates.append({**row, "calendar_id": cal.id, "external_id": eid, "created_at": self.now})
            else:
                updates.append({**row, "id": stored[0]})
            meta_rows.append(self._meta(remote, digest))
            if flag:
                flagged.append((eid, flag))

        if cancelled_series:
            # A cancelled recurring master takes its stored instances with it.
            for chunk in _chunks(cancelled_series, 500):
                series = EventSyncMeta.objects.filter(calendar=cal, recurring_event_id__in=chunk).exclude(
                    external_id__in=list(pendings)).values_list("external_id", flat=True)
                delete_ext.update(series)
        for ext_ids, counted in ((delete_ext, True), (consumed_ext, False)):
            for chunk in _chunks(sorted(ext_ids), 500):
                _, per_model = Event.objects.filter(calendar=cal, external_id__in=chunk).delete()
                EventSyncMeta.objects.filter(calendar=cal, external_id__in=chunk).delete()
                if counted:
                    counts.deleted += per_model.get(Event._meta.label, 0)
        events = RowWriter(Event, now=self.now)
        events.insert(creates)
        counts.created += len(creates)
        by_columns: dict[tuple[str, ...], list[dict[str, Any]]] = {}
        for row in updates:  # rows differ only in whether priority/event_type came along
            by_columns.setdefault(tuple(name for name in row if name != "id"), []).append(row)
        for columns, rows in by_columns.items():
            events.update(rows, list(columns))
        counts.updated += len(updates)
        events.update(refreshed, ["etag", "updated_at"])  # not "updated": the content is the same
        RowWriter(EventSyncMeta, now=self.now).upsert(meta_rows + consumed_meta, conflict=["calendar_id", "external_id"],
                                                      fields=META_FIELDS)
        if new_pushes:
            PendingPush.objects.bulk_create(new_pushes, batch_size=500)
        # Ids of the rows just written: updated rows' from the first read, new rows' from one read
        # after their insert (the only way to learn them); the steps below reuse this map.
        pks = {eid: pk for eid, (pk, _) in local.items()}
        for chunk in _chunks([row["external_id"] for row in creates], 500):
            pks.update(Event.objects.filter(calendar=cal, external_id__in=chunk).values_list("external_id", "pk"))
        written = [row["id"] for row in updates] + [pks[row["external_id"]] for row in creates]
        if inline:
            self._replace_exceptions({pks[eid]: remote for eid, remote in inline.items()}, recurring)
        # The bulk writes above skip Event.save(): the series among them (and former series)
        # get their stored occurrences here, with their exceptions, in this transaction.
        store_occurrences(written)
        notify_stored(written)  # the rows above were written without model signals
        if flagged:
            for eid, flag in flagged:
                counts.error("plugin", flag, external_id=eid, event_id=pks.get(eid))
                audit_record(action="plugin_error", entity="event", entity_id=pks.get(eid, eid),
                             changes={"plugin_error": [None, flag]})

    def _replace_exceptions(self, written: dict[int, RemoteEvent], recurring: set[str]) -> None:
        """A series' exceptions as its entry now lists them (CalDAV, feeds): the stored ones are replaced.

        ``written`` maps the rows just written (by pk) to their entries; ``recurring`` names those
        stored as series — the others' rule could not be read: kept as single events (flagged).
        """
        EventException.objects.filter(series_id__in=list(written)).delete()
        rows = []
        for pk, remote in written.items():
            if remote.external_id not in recurring:
                continue
            for item in remote.exceptions:
                rows.append(EventException(
                    series_id=pk, original_start=datetime.fromisoformat(item["original_start"]),
                    cancelled=bool(item["cancelled"]),
                    start_time=datetime.fromisoformat(item["start_time"]) if item["start_time"] else None,
                    end_time=datetime.fromisoformat(item["end_time"]) if item["end_time"] else None,
                    overrides=dict(item["overrides"])))
        EventException.objects.bulk_create(rows, batch_size=500, ignore_conflicts=True)

    def _meta(self, remote: RemoteEvent, digest: str) -> dict[str, Any]:
        return {"calendar_id": self.calendar.id, "external_id": remote.external_id, "etag": remote.etag[:255],
                "remote_updated": remote.updated, "recurring_event_id": remote.recurring_event_id,
                "content_hash": digest, "consumed": False}

    def _reconcile(self, records: list[RemoteEvent]) -> None:
        """After a full listing: stored entries of this source that the listing lacks are gone."""
        seen = {r.external_id for r in records if not r.cancelled}
        waiting = set(PendingPush.objects.filter(calendar=self.calendar).values_list("external_id", flat=True))
        # A series is stored at its first occurrence, which may lie before the window.
        stored = Event.objects.filter(Q(start_time__lt=self.window.end, end_time__gt=self.window.start)
                                      | Q(is_recurring=True), calendar=self.calendar).exclude(external_id="")
        gone = [ext for ext in stored.values_list("external_id", flat=True) if ext not in seen and ext not in waiting]
        # Consumed entries of a read-only source that left it need no memory any more.
        EventSyncMeta.objects.filter(calendar=self.calendar, consumed=True).exclude(
            external_id__in=list(seen)).delete()
        # Instances of a series that sends them as records of their own (Google).
        seen_instances = {r.external_id for r in records if r.is_instance}
        EventException.objects.filter(series__calendar=self.calendar).exclude(external_id="").exclude(
            external_id__in=seen_instances).delete()
        for chunk in _chunks(gone, 500):
            _, per_model = Event.objects.filter(calendar=self.calendar, external_id__in=chunk).delete()
            self.counts.deleted += per_model.get(Event._meta.label, 0)
            EventSyncMeta.objects.filter(calendar=self.calendar, external_id__in=chunk).delete()
