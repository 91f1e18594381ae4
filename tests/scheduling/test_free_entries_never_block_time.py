"""Entries shown as free (``transparency: transparent``) are shown but never block time: no
conflicts, free in availability, free for auto-plan, left out of analytics' busy hours."""

from __future__ import annotations

import pytest

from apps.events.blocking import BLOCKING, blocks
from apps.events.models import Event
from apps.events.scheduling.planning import conflicts_for, conflicts_map, suggest_slots
from tests.scheduling.conftest import utc

FREE = Event.Transparency.TRANSPARENT
NOW = utc(2025, 3, 1)


def test_a_free_entry_does_not_conflict_and_a_busy_one_still_does(calendar, event):
    cal = calendar("work")
    hold = event(cal, utc(2025, 3, 3, 9), utc(2025, 3, 3, 11), "hold", transparency=FREE, attendees=["kim@x.com"])
    meeting = event(cal, utc(2025, 3, 3, 12), utc(2025, 3, 3, 13), "meeting", attendees=["kim@x.com"])
    new = Event(calendar=cal, title="new", start_time=utc(2025, 3, 3, 10), end_time=utc(2025, 3, 3, 12, 30),
                attendees=["kim@x.com"])
    assert conflicts_for(new) == [meeting.pk]
    # Same on another calendar through the shared attendee.
    other = calendar("other")
    guest = Event(calendar=other, title="guest", start_time=utc(2025, 3, 3, 9), end_time=utc(2025, 3, 3, 13),
                  attendees=["KIM@x.com"])
    assert conflicts_for(guest) == [meeting.pk]
    # A free entry itself lists no conflicts, even where it overlaps busy ones.
    assert conflicts_for(Event(calendar=cal, title="free", start_time=utc(2025, 3, 3, 12),
                               end_time=utc(2025, 3, 3, 13), transparency=FREE)) == []
    assert conflicts_map([hold, meeting]) == {hold.pk: [], meeting.pk: []}


def test_the_event_list_reports_no_conflicts_for_free_entries(api, calendar, event):
    cal = calendar("work")
    hold = event(cal, utc(2025, 3, 3, 9), utc(2025, 3, 3, 11), "hold", transparency=FREE)
    a = event(cal, utc(2025, 3, 3, 10), utc(2025, 3, 3, 12), "a")
    b = event(cal, utc(2025, 3, 3, 11), utc(2025, 3, 3, 13), "b")
    res = api(scopes=["events.read"]).get("/api/v1/events?start=2025-03-03&end=2025-03-04")
    assert res.status_code == 200, res.json()
    found = {item["id"]: (item["transparency"], item["conflicts"]) for item in res.json()["items"]}
    assert found == {hold.pk: ("transparent", []), a.pk: ("opaque", [b.pk]), b.pk: ("opaque", [a.pk])}


def test_availability_leaves_the_time_under_a_free_entry_free(api, calendar, event):
    cal = calendar("work")
    event(cal, utc(2025, 3, 3, 9), utc(2025, 3, 3, 10), "hold", transparency=FREE, attendees=["kim@x.com"])
    busy = event(cal, utc(2025, 3, 3, 11), utc(2025, 3, 3, 12), "meeting", attendees=["kim@x.com"])
    res = api(scopes=["events.write"]).post("/api/v1/availability", {
        "start_time": "2025-03-03T09:00:00Z", "end_time": "2025-03-03T12:00:00Z", "duration_minutes": 60,
        "slot_minutes": 60, "attendees": ["kim@x.com"], "calendar_ids": ["work"]}, format="json")
    assert res.status_code == 200, res.json()
    body = res.json()
    expected = [("09:00", "11:00", True, []), ("11:00", "12:00", False, [busy.pk])]
    for slots in (body["attendees"][0]["slots"], body["calendars"][0]["slots"]):
        assert [(s["start_time"][11:16], s["end_time"][11:16], s["available"], s["conflicts"]) for s in slots] == expected
    assert [s["start_time"][11:16] for s in body["common_free"]] == ["09:00", "10:00"]


def test_auto_plan_suggests_the_time_under_a_free_entry(calendar, event):
    cal = calendar("work", default_mode="auto_plan")  # UTC, Mon-Fri 09-17, 15-min grid
    event(cal, utc(2025, 3, 3, 9), utc(2025, 3, 3, 10), "busy")
    event(cal, utc(2025, 3, 3, 10), utc(2025, 3, 3, 12), "focus hold", transparency=FREE)
    new = event(cal, utc(2025, 3, 3, 9), utc(2025, 3, 3, 10), "new")
    slots = suggest_slots(new, limit=2, now=NOW)
    assert [(s["start_time"], s["end_time"]) for s in slots] == [
        (utc(2025, 3, 3, 10), utc(2025, 3, 3, 11)), (utc(2025, 3, 3, 11), utc(2025, 3, 3, 12))]


def test_creating_over_a_free_entry_in_auto_plan_mode_is_no_collision(api, calendar, event):
    calendar("plan", default_mode="auto_plan")
    client = api(scopes=["events.read", "events.write"])
    hold = client.post("/api/v1/events", {"calendar_id": "plan", "title": "Maybe", "transparency": "transparent",
                                          "start_time": "2025-03-03T09:00:00Z", "end_time": "2025-03-03T10:00:00Z"},
                       format="json")
    assert hold.status_code == 201, hold.json()
    clash = client.post("/api/v1/events", {"calendar_id": "plan", "title": "Real", "start_time": "2025-03-03T09:00:00Z",
                                           "end_time": "2025-03-03T10:00:00Z"}, format="json")
    assert clash.status_code == 201, clash.json()
    assert clash.json()["conflicts"] == [] and "suggestions" not in clash.json()


def test_analytics_busy_hours_leave_free_entries_out(api, calendar, event):
    cal = calendar("work")
    event(cal, utc(2025, 3, 3, 9), utc(2025, 3, 3, 10), "meeting")
    event(cal, utc(2025, 3, 3, 9, 30), utc(2025, 3, 3, 12), "hold", transparency=FREE)
    res = api(scopes=["events.read"]).get("/api/v1/analytics/productivity?start=2025-03-03&end=2025-03-03&calendar=work")
    assert res.status_code == 200, res.json()
    body = res.json()
    assert body["totals"] == {"events": 2, "timed_events": 2, "all_day_events": 0, "cancelled_events": 0, "hours": 1.0}
    assert body["hours_by_type"] == {"meeting": 1.0}
    assert body["meeting_load"] == [{"date": "2025-03-03", "meetings": 1, "hours": 1.0}]
    assert body["conflicts"] == {"pairs": 0, "events": 0}
    assert body["focus_blocks"][0]["start_time"] == "2025-03-03T10:00:00Z"
    assert body["focus_blocks"][0]["minutes"] == 420


@pytest.mark.parametrize(("fields", "expected"), [
    ({}, True),
    ({"transparency": FREE}, False),
    ({"status": Event.Status.CANCELLED}, False),
    ({"all_day": True}, False),
])
def test_the_query_and_the_predicate_agree(calendar, event, fields, expected):
    stored = event(calendar("work"), utc(2025, 3, 3, 9), utc(2025, 3, 3, 10), **fields)
    assert blocks(stored) is expected
    assert Event.objects.filter(BLOCKING, pk=stored.pk).exists() is expected
