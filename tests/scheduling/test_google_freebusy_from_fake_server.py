"""Google free/busy over real HTTP: the fake Calendar server answers freeBusy.query."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime

import pytest

from apps.events.models import Calendar
from tests.fakes.google_calendar import FakeGoogleCalendar

ANA = "ana@corp.com"
BODY = {"start_time": "2025-03-03T09:00:00Z", "end_time": "2025-03-03T12:00:00Z", "duration_minutes": 60,
        "slot_minutes": 60, "attendees": [ANA, "kim@x.com"]}


@pytest.fixture
def fake_google(settings, tmp_path, monkeypatch, db):
    monkeypatch.setattr("apps.sync.sources.google.default_sleep", lambda seconds: None)
    with FakeGoogleCalendar() as fake:
        fake.add_calendar(ANA)
        token = tmp_path / "google_token.json"
        token.write_text(json.dumps({
            "token": "fake-access", "refresh_token": "fake-refresh", "client_id": "cid.apps.googleusercontent.com",
            "client_secret": "secret", "token_uri": fake.token_uri, "expiry": "2100-01-01T00:00:00Z",
            "scopes": ["https://www.googleapis.com/auth/calendar"],
        }))
        chronos = copy.deepcopy(settings.CHRONOS)
        chronos["google"] = {**(chronos.get("google") or {}), "api_endpoint": fake.api_endpoint,
                             "token_file": str(token), "credentials_file": "", "num_retries": 1,
                             "token_uri": fake.token_uri}
        settings.CHRONOS = chronos
        Calendar.objects.create(id="ana", name="Ana", source=Calendar.Source.GOOGLE, external_id=ANA)
        yield fake


def test_busy_time_from_google_blocks_the_attendee(api, fake_google):
    fake_google.add_event(ANA, "Board meeting", datetime(2025, 3, 3, 10, tzinfo=UTC), datetime(2025, 3, 3, 11, tzinfo=UTC))
    res = api(scopes=["events.write"]).post("/api/v1/availability", BODY, format="json")
    assert res.status_code == 200, res.json()
    ana = res.json()["attendees"][0]
    assert ana["source"] == "google" and ana["status"] == "known"
    assert [(s["start_time"][11:16], s["end_time"][11:16], s["available"]) for s in ana["slots"]] == [
        ("09:00", "10:00", True), ("10:00", "11:00", False), ("11:00", "12:00", True)]
    assert [s["start_time"][11:16] for s in res.json()["common_free"]] == ["09:00", "11:00"]
    assert fake_google.calls("POST", "freeBusy")


def test_google_failing_makes_the_attendee_unknown(api, fake_google):
    fake_google.fail_next(10, status=503)
    body = api(scopes=["events.write"]).post("/api/v1/availability", BODY, format="json").json()
    ana = body["attendees"][0]
    assert ana["status"] == "unknown" and {s["available"] for s in ana["slots"]} == {None}
    assert body["unknown"] == [ANA] and body["complete"] is False
    assert body["attendees"][1]["status"] == "known"
