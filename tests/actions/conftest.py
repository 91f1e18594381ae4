"""Fixtures for timed actions: a whitelist entry that fires at a time, a controlled clock."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine

from apps.whitelists.models import Whitelist
from tests.whitelists.factories import allow

# A Sunday; entries are created a day ahead and the clock is moved to their time.
NOW = datetime(2027, 1, 2, 12, 0, tzinfo=UTC)
SUNDAY_2AM = datetime(2027, 1, 3, 2, 0, tzinfo=UTC)


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def timed(db):
    """``timed(fire, offset)``: BACKUP on N8N fires that way (keep is an int parameter)."""

    def make(fire: str = "at_start", offset: int = 0) -> Whitelist:
        entry = allow("N8N", "BACKUP", {"keep": "int"}, [])
        entry.fire, entry.fire_offset_minutes = fire, offset
        entry.save()
        return entry

    return make


@pytest.fixture
def writer(api):
    return api(scopes=["events.write", "events.read", "commands.read"])


def iso(value: datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


@pytest.fixture
def create_entry(writer):
    def create(title: str, start: datetime, end: datetime, **extra):
        response = writer.post("/api/v1/events", {"title": title, "start_time": iso(start), "end_time": iso(end),
                                                  "calendar_id": "home", **extra}, format="json")
        return response

    return create
