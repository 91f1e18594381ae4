"""The availability answer writes its period lists as JSON text directly; the bytes must be what
the generic JSON renderer writes for the same data, and other renderers still get plain data."""

from __future__ import annotations

import json

import pytest
from rest_framework.renderers import JSONRenderer

from apps.events.models import Calendar
from tests.scheduling.conftest import utc

URL = "/api/v1/availability"
BODY = {"start_time": "2025-03-03T09:00:00Z", "end_time": "2025-03-04T13:00:00Z", "duration_minutes": 30,
        "calendar_ids": ["work"], "attendees": ["kim@x.com", "ana@corp.com", "zoë@x.com"]}


@pytest.fixture
def client(api):
    return api(scopes=["events.write"])


@pytest.fixture
def week(calendar, event, monkeypatch):
    from apps.events import availability

    work = calendar("work", buffer_minutes=5)
    event(work, utc(2025, 3, 3, 10), utc(2025, 3, 3, 10, 30, 0, 500_000), attendees=["kim@x.com", "ZOË@x.com"])
    event(calendar("other"), utc(2025, 3, 3, 10, 15), utc(2025, 3, 3, 11), attendees=["kim@x.com"])
    Calendar.objects.create(id="ana", name="Ana", source=Calendar.Source.GOOGLE, external_id="ana@corp.com")
    monkeypatch.setattr(availability, "external_busy", lambda attendees, start, end: availability.ExternalBusy(
        unknown=["ana@corp.com"], errors={"ana@corp.com": "Zeitüberschreitung\u2028(timeout)"}))


def test_the_bytes_are_what_the_json_renderer_writes_for_the_same_data(client, week):
    res = client.post(URL, BODY, format="json")

    assert res.status_code == 200
    assert res["Content-Type"] == "application/json"
    data = json.loads(res.content)
    assert res.content == JSONRenderer().render(data)
    assert b"\\u2028" in res.content and "Zeitüberschreitung".encode() in res.content
    kim, ana, zoe = data["attendees"]
    assert [s["available"] for s in kim["slots"]][:3] == [True, False, True]
    assert kim["slots"][1]["conflicts"] == sorted(kim["slots"][1]["conflicts"]) and len(kim["slots"][1]["conflicts"]) == 2
    assert kim["slots"][1]["end_time"] == "2025-03-03T11:05:00Z"
    assert zoe["slots"][1]["end_time"] == "2025-03-03T10:35:00.500000Z"
    assert ana["status"] == "unknown" and {s["available"] for s in ana["slots"]} == {None}
    assert data["unknown"] == ["ana@corp.com"] and data["complete"] is False


def test_indented_json_and_the_browsable_api_get_the_same_data(client, week):
    compact = json.loads(client.post(URL, BODY, format="json").content)

    indented = client.post(URL, BODY, format="json", HTTP_ACCEPT="application/json; indent=2")
    assert indented.status_code == 200
    assert indented.content.startswith(b'{\n  "start_time"')
    assert json.loads(indented.content) == compact

    page = client.post(URL, BODY, format="json", HTTP_ACCEPT="text/html")
    assert page.status_code == 200
    assert "2025-03-03T11:05:00Z" in page.content.decode()


def test_errors_are_still_rendered_as_before(client, db):
    res = client.post(URL, {**BODY, "start_time": "2025-03-03T09:00:00"}, format="json")

    assert res.status_code == 400
    assert "start_time" in res.json()
