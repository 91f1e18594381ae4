"""POST /api/v1/availability: per-attendee slots and the slots free for everyone."""

from __future__ import annotations

import pytest

from apps.events.models import Calendar
from tests.scheduling.conftest import utc

URL = "/api/v1/availability"


@pytest.fixture
def client(api):
    return api(scopes=["events.write"])


def ask(client, **body):
    payload = {"start_time": "2025-03-03T09:00:00Z", "end_time": "2025-03-03T13:00:00Z", "duration_minutes": 60,
               "calendar_ids": ["work"], **body}
    return client.post(URL, payload, format="json")


def periods(slots):
    return [(s["start_time"][11:16], s["end_time"][11:16], s["available"]) for s in slots]


def test_common_free_slots_are_where_every_attendee_is_free(client, calendar, event):
    work = calendar("work", slot_minutes=30)
    other = calendar("other")
    event(work, utc(2025, 3, 3, 9), utc(2025, 3, 3, 10), attendees=["kim@x.com"])
    event(other, utc(2025, 3, 3, 10, 30), utc(2025, 3, 3, 11, 30), attendees=["sam@x.com", "robin@x.com"])
    kim_late = event(other, utc(2025, 3, 3, 12, 30), utc(2025, 3, 3, 13), attendees=["KIM@x.com"])

    res = ask(client, attendees=["kim@x.com", "Sam@X.com"], calendar_ids=[], slot_minutes=30)
    assert res.status_code == 200, res.json()
    body = res.json()
    # Each attendee's slots cut the window into free and busy periods (touching is not busy).
    by_person = {a["attendee"]: a for a in body["attendees"]}
    assert periods(by_person["kim@x.com"]["slots"]) == [
        ("09:00", "10:00", False), ("10:00", "12:30", True), ("12:30", "13:00", False)]
    assert periods(by_person["sam@x.com"]["slots"]) == [
        ("09:00", "10:30", True), ("10:30", "11:30", False), ("11:30", "13:00", True)]
    # 60-minute slots on a 30-minute grid (09:00 ... 12:00) free for both: only 11:30.
    assert body["common_free"] == [{"start_time": "2025-03-03T11:30:00Z", "end_time": "2025-03-03T12:30:00Z"}]
    busy = by_person["kim@x.com"]["slots"][2]
    assert busy["conflicts"] == [kim_late.pk] and busy["external_busy"] is False
    assert body["unknown"] == [] and body["complete"] is True


def test_a_calendar_and_attendees_share_a_common_slot(client, calendar, event):
    work = calendar("work", slot_minutes=60)
    event(work, utc(2025, 3, 3, 9), utc(2025, 3, 3, 10))
    event(work, utc(2025, 3, 3, 11), utc(2025, 3, 3, 12), attendees=["kim@x.com"])
    event(calendar("other"), utc(2025, 3, 3, 12), utc(2025, 3, 3, 13), attendees=["sam@x.com"])

    body = ask(client, attendees=["kim@x.com", "sam@x.com"]).json()
    assert [s["start_time"] for s in body["common_free"]] == ["2025-03-03T10:00:00Z"]
    assert periods(body["calendars"][0]["slots"]) == [
        ("09:00", "10:00", False), ("10:00", "11:00", True), ("11:00", "12:00", False), ("12:00", "13:00", True)]
    assert body["calendars"][0]["calendar_id"] == "work"


def test_slots_stay_inside_the_calendars_working_hours(client, calendar):
    calendar("work", timezone="Europe/Berlin", working_hours={"mon": ["09:00", "12:00"]}, slot_minutes=60)
    body = ask(client, start_time="2025-03-03T00:00:00Z", end_time="2025-03-04T00:00:00Z").json()
    # 09:00-12:00 Berlin is 08:00-11:00 UTC.
    assert [s["start_time"] for s in body["common_free"]] == [
        "2025-03-03T08:00:00Z", "2025-03-03T09:00:00Z", "2025-03-03T10:00:00Z"]
    assert body["timezone"] == "Europe/Berlin"


def test_working_hours_can_be_ignored(client, calendar):
    calendar("work", working_hours={"mon": ["09:00", "10:00"]}, slot_minutes=60)
    body = ask(client, working_hours_only=False, start_time="2025-03-03T06:00:00Z",
               end_time="2025-03-03T09:00:00Z").json()
    assert len(body["common_free"]) == 3


@pytest.mark.parametrize("body, field", [
    ({"start_time": "2025-03-03T09:00:00"}, "start_time"),
    ({"end_time": "2025-03-03T08:00:00Z"}, "end_time"),
    ({"duration_minutes": 0}, "duration_minutes"),
    ({"calendar_ids": ["nope"]}, "calendar_ids"),
    ({"calendar_ids": [], "attendees": []}, "attendees"),
    ({"end_time": "2025-09-03T08:00:00Z"}, "end_time"),
])
def test_bad_input_is_a_400_naming_the_field(client, calendar, body, field):
    calendar("work")
    res = ask(client, **body)
    assert res.status_code == 400
    assert field in res.json() and res.json()["detail"]


def test_reading_keys_cannot_post_availability(api, calendar):
    calendar("work")
    assert ask(api(scopes=["events.read"])).status_code == 403
    assert Calendar.objects.count() == 1
