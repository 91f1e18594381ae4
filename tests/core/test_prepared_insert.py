"""PreparedInsertMixin: a save() insert stores the same row as Django's compiled INSERT."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection

from apps.events.models import Calendar, Event

pytestmark = pytest.mark.django_db

START = datetime(2026, 5, 4, 9, 30, 15, 250000, tzinfo=UTC)


def _row(pk: int) -> dict:
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM events_event WHERE id = %s", [pk])
        names = [c[0] for c in cursor.description]
        return dict(zip(names, cursor.fetchone(), strict=True))


def _event(cal: Calendar, **extra) -> Event:
    return Event(calendar=cal, title="Plan \u00e9t\u00e9 \U0001f600", description="x" * 300, start_time=START,
                 end_time=START + timedelta(hours=1, seconds=1), tags=["a", "b"], attendees=["kim@x.com"],
                 mode="free", created_at=START, **extra)


def test_the_row_equals_the_one_djangos_own_insert_writes():
    cal = Calendar.objects.create(id="work", name="Work")
    prepared = _event(cal)
    prepared.save()
    compiled = _event(cal)
    compiled.duration_seconds = 3601  # what Event.save() computes
    Event.objects.bulk_create([compiled])  # Django's compiled INSERT
    assert prepared.pk is not None and compiled.pk == prepared.pk + 1
    a, b = _row(prepared.pk), _row(compiled.pk)
    for volatile in ("id", "updated_at"):
        assert a.pop(volatile) is not None and b.pop(volatile) is not None
    assert a == b
    stored = Event.objects.get(pk=prepared.pk)
    assert (stored.title, stored.start_time, stored.tags, stored.duration_seconds) == (
        "Plan \u00e9t\u00e9 \U0001f600", START, ["a", "b"], 3601)
    assert stored.updated_at is not None  # auto_now applied by pre_save
