"""Fixtures for scheduling tests: calendars and events written straight through the ORM."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from apps.events.models import Calendar, Event


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


@pytest.fixture
def calendar(db):
    def make(pk: str = "work", **fields) -> Calendar:
        fields.setdefault("name", pk)
        return Calendar.objects.create(id=pk, **fields)

    return make


@pytest.fixture
def event(db):
    def make(cal: Calendar, start: datetime, end: datetime, title: str = "event", **fields) -> Event:
        return Event.objects.create(calendar=cal, title=title, start_time=start, end_time=end, **fields)

    return make
