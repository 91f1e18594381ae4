"""The availability answer writes its period lists as JSON text directly; the bytes must be what
the generic JSON renderer writes for the same data and what the standard path (plain data through
the API's renderer, ``scheduling.prewritten_availability_json: false``) answers, and other
renderers still get plain data."""

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
    from apps.events.scheduling import availability

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


def _switch(settings, prewritten: bool) -> None:
    settings.CHRONOS = {**settings.CHRONOS, "scheduling": {**settings.CHRONOS.get("scheduling", {}),
                                                           "prewritten_availability_json": prewritten}}


@pytest.mark.parametrize("body", [
    BODY,
    {**BODY, "attendees": ["kim@x.com"], "calendar_ids": [], "duration_minutes": 45, "slot_minutes": 10},
    {**BODY, "end_time": "2025-03-10T09:00:00Z", "working_hours_only": False},
])
def test_the_shortcut_answers_the_bytes_of_the_standard_path(client, week, settings, monkeypatch, body):
    from apps.events.scheduling import availability

    monkeypatch.setattr(availability, "external_busy", lambda attendees, start, end: availability.ExternalBusy(
        busy={"kim@x.com": [(utc(2025, 3, 3, 12), utc(2025, 3, 3, 12, 30))]},
        unknown=["ana@corp.com"], errors={"ana@corp.com": "Zeitüberschreitung\u2028(timeout)"}))
    _switch(settings, True)
    shortcut = client.post(URL, body, format="json")
    _switch(settings, False)
    standard = client.post(URL, body, format="json")

    assert shortcut.status_code == standard.status_code == 200
    assert shortcut.content == standard.content
    kim = json.loads(standard.content)["attendees"][0]
    assert any(slot.get("external_busy") for slot in kim["slots"])
    # Switched off, the answer is plain data: no pre-written text anywhere in it.
    plain = availability.compute(availability.AvailabilityRequest(
        start=utc(2025, 3, 3, 9), end=utc(2025, 3, 4, 13), duration=availability.timedelta(minutes=30),
        attendees=["kim@x.com"], calendars=[Calendar.objects.get(pk="work")]))
    assert type(plain) is dict
    assert all(type(item["slots"]) is list for item in plain["attendees"] + plain["calendars"])
    assert type(plain["common_free"]) is list
