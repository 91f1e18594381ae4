from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.events.factories import CalendarFactory, EventFactory


@pytest.fixture
def reader(api):
    return api(scopes=["events.read"])


@pytest.fixture
def writer(api):
    return api(scopes=["events.read", "events.write"])


@pytest.fixture
def calendar(db):
    return CalendarFactory(id="work", name="Work")


@pytest.fixture
def make_event(calendar):
    """``make_event("2025-03-10T09:00", minutes=60, **fields)`` with UTC times."""

    def make(start: str, *, minutes: int = 60, **fields):
        begin = datetime.fromisoformat(start).replace(tzinfo=UTC)
        fields.setdefault("calendar", calendar)
        return EventFactory(start_time=begin, end_time=begin + timedelta(minutes=minutes), **fields)

    return make


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["items"]]
