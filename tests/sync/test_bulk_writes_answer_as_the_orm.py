"""The sync's prepared bulk writes (``apps.sync.bulk.RowWriter``) store exactly what the ORM's
``bulk_create``/``bulk_update`` store (``sync.prepared_bulk_writes: false``): every column as the
database holds it, defaults of the columns a row leaves out included."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.db import connection

from apps.events.models import Calendar, Event, EventException
from apps.sync.bulk import RowWriter
from apps.sync.models import EventSyncMeta

pytestmark = pytest.mark.django_db
T0 = datetime(2026, 3, 2, 9, 0, 0, 123456, tzinfo=UTC)
START = datetime(2026, 3, 5, 8, 30, tzinfo=UTC)


def _switch(settings, prepared: bool) -> None:
    settings.CHRONOS = {**settings.CHRONOS, "sync": {**settings.CHRONOS.get("sync", {}),
                                                     "prepared_bulk_writes": prepared}}


def _table(model, *, skip: tuple[str, ...] = ()) -> list[tuple]:
    """Every column but the id (and ``skip``), as stored (text, so JSON and datetimes compare as written)."""
    names = [f.column for f in model._meta.concrete_fields if not f.primary_key and f.column not in skip]
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(quote(n) for n in names)} FROM {quote(model._meta.db_table)} "
                       f"ORDER BY {quote('external_id')}")
        return [tuple(None if v is None else str(v) for v in row) for row in cursor.fetchall()]


def _write(now: datetime) -> None:
    events = RowWriter(Event, now=now)
    events.insert([
        {"calendar_id": "work", "external_id": "a", "title": "Stand-up – Übergabe", "start_time": START,
         "end_time": START + timedelta(minutes=15), "duration_seconds": 900, "created_at": now,
         "tags": ["x", "ü"], "attendees": ["kim@x.com"], "priority": "high"},
        {"calendar_id": "work", "external_id": "b", "title": "Holiday", "start_time": START.replace(hour=0, minute=0),
         "end_time": START.replace(hour=0, minute=0) + timedelta(days=1), "all_day": True,
         "start_date": date(2026, 3, 5), "end_date": date(2026, 3, 6), "duration_seconds": 86400, "created_at": now},
        {"calendar_id": "work", "external_id": "c", "title": "Series", "start_time": START, "duration_seconds": 3600,
         "end_time": START + timedelta(hours=1), "recurrence": ["RRULE:FREQ=WEEKLY"], "is_recurring": True,
         "created_at": now},
    ])
    ids = dict(Event.objects.values_list("external_id", "pk"))
    events.update([{"id": ids["a"], "title": "Moved", "start_time": START + timedelta(hours=1),
                    "end_time": START + timedelta(hours=1, minutes=15), "updated_at": now},
                   {"id": ids["c"], "title": "Series renamed", "start_time": START,
                    "end_time": START + timedelta(hours=1), "updated_at": now}],
                  ["title", "start_time", "end_time", "updated_at"])
    events.update([{"id": ids["b"], "etag": '"e2"', "updated_at": now}], ["etag", "updated_at"])
    exceptions = RowWriter(EventException, now=now)
    exceptions.insert([
        {"series_id": ids["c"], "original_start": START + timedelta(days=7), "external_id": "c_1", "etag": '"x1"',
         "cancelled": False, "start_time": START + timedelta(days=8), "end_time": START + timedelta(days=8, hours=1),
         "overrides": {"title": "Verschoben – ü", "attendees": ["kim@x.com"]}, "created_at": now, "updated_at": now},
        {"series_id": ids["c"], "original_start": START + timedelta(days=14), "external_id": "c_2", "cancelled": True,
         "created_at": now},
    ])
    exceptions.update([{"id": EventException.objects.get(external_id="c_1").pk, "external_id": "c_1", "etag": '"x2"',
                        "cancelled": False, "start_time": None, "end_time": None, "overrides": {"location": "R 7"},
                        "updated_at": now}],
                      ["external_id", "etag", "cancelled", "start_time", "end_time", "overrides", "updated_at"])
    meta = RowWriter(EventSyncMeta, now=now)
    fields = ["etag", "remote_updated", "recurring_event_id", "content_hash", "consumed"]
    first = [{"calendar_id": "work", "external_id": x, "etag": f'"{x}1"', "remote_updated": now,
              "content_hash": "h" * 64} for x in "abc"]
    meta.upsert(first, conflict=["calendar_id", "external_id"], fields=fields)
    meta.upsert([{**first[0], "etag": '"a2"', "consumed": True},
                 {"calendar_id": "work", "external_id": "d", "etag": '"d1"', "remote_updated": None,
                  "recurring_event_id": "c", "content_hash": "", "consumed": False}],
                conflict=["calendar_id", "external_id"], fields=fields)


def test_inserts_updates_and_upserts_store_the_same_columns(settings):
    Calendar.objects.create(id="work", name="Work")
    written = {}
    for prepared in (True, False):
        _switch(settings, prepared)
        Event.objects.all().delete()
        EventSyncMeta.objects.all().delete()
        with time_machine.travel(T0, tick=False):
            _write(T0)
        series = list(EventException.objects.order_by("external_id").values_list("series__external_id", flat=True))
        written[prepared] = (_table(Event), _table(EventSyncMeta), _table(EventException, skip=("series_id",)), series)
    events, meta, exceptions, series = written[True]
    assert [row[0:2] for row in meta] and len(events) == 3 and len(meta) == 4
    assert len(exceptions) == 2 and series == ["c", "c"]
    assert written[True] == written[False]
