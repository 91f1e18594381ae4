"""Attendees synced from Google: their busy time comes from free/busy; an unreachable Google
makes them unknown, never free."""

from __future__ import annotations

import pytest

from apps.events.models import Calendar
from apps.sync.sources.base import SourceError
from tests.scheduling.conftest import utc

URL = "/api/v1/availability"
BODY = {"start_time": "2025-03-03T09:00:00Z", "end_time": "2025-03-03T12:00:00Z", "duration_minutes": 60,
        "slot_minutes": 60, "attendees": ["ana@corp.com", "kim@x.com"]}


class StubGoogle:
    """Stands in for GoogleCalendarSource: answers freeBusy like the Calendar API does."""

    calls: list = []
    fail: bool = False

    def __init__(self, **kwargs) -> None:
        pass

    def freebusy(self, *, calendar_ids, start, end):
        StubGoogle.calls.append((tuple(calendar_ids), start, end))
        if StubGoogle.fail:
            raise SourceError("Google Calendar unreachable", status=None)
        return {"calendars": {"ana@corp.com": {"busy": [
            {"start": "2025-03-03T10:00:00Z", "end": "2025-03-03T11:00:00Z"}]}}}


@pytest.fixture
def google(monkeypatch, db):
    from apps.sync.sources import google as google_module

    Calendar.objects.create(id="ana", name="Ana", source=Calendar.Source.GOOGLE, external_id="ana@corp.com")
    StubGoogle.calls, StubGoogle.fail = [], False
    monkeypatch.setattr(google_module, "GoogleCalendarSource", StubGoogle)
    return StubGoogle


def test_google_busy_time_makes_slots_unavailable(api, google, calendar, event):
    event(calendar("work"), utc(2025, 3, 3, 9), utc(2025, 3, 3, 10), attendees=["kim@x.com"])
    body = api(scopes=["events.write"]).post(URL, BODY, format="json").json()
    ana = body["attendees"][0]
    assert ana["attendee"] == "ana@corp.com" and ana["source"] == "google" and ana["status"] == "known"
    assert [(s["start_time"][11:16], s["available"], s.get("external_busy")) for s in ana["slots"]] == [
        ("09:00", True, None), ("10:00", False, True), ("11:00", True, None)]
    assert [s["start_time"][11:16] for s in body["common_free"]] == ["11:00"]
    assert google.calls and google.calls[0][0] == ("ana@corp.com",)


def test_an_unreachable_google_reports_the_attendee_unknown_not_free(api, google, calendar):
    google.fail = True
    body = api(scopes=["events.write"]).post(URL, BODY, format="json").json()
    ana = body["attendees"][0]
    assert ana["status"] == "unknown"
    assert {s["available"] for s in ana["slots"]} == {None}
    assert "unreachable" in ana["error"]
    assert body["unknown"] == ["ana@corp.com"] and body["complete"] is False
    # Local-only attendees are still answered from stored events.
    kim = body["attendees"][1]
    assert kim["status"] == "known" and all(s["available"] for s in kim["slots"])


def test_attendees_without_a_google_calendar_never_reach_google(api, google):
    body = dict(BODY, attendees=["kim@x.com"])
    assert api(scopes=["events.write"]).post(URL, body, format="json").status_code == 200
    assert google.calls == []
