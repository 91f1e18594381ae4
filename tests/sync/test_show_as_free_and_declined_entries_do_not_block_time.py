"""Google entries shown as free and invitations the owner declined are synced as transparent: they
are kept, but neither conflict nor take time in availability; write-back sends the field."""

from __future__ import annotations

from datetime import timedelta

import pytest

from apps.events.models import Event
from apps.events.scheduling.planning import conflicts_for
from tests.sync.conftest import GOOGLE_ID, NOW

DAY = NOW.replace(hour=0) + timedelta(days=3)  # Monday 23 March 2026, 00:00 UTC


def at(hours: float):
    return DAY + timedelta(hours=hours)


@pytest.fixture
def three_entries(fake_google, sync):
    """A "show as free" hold 09-10, a declined review 10-11, a real meeting 11-12 (UTC)."""
    hold = fake_google.add_event(GOOGLE_ID, "Hold", at(9), at(10), transparency="transparent")
    review = fake_google.add_event(GOOGLE_ID, "Review", at(10), at(11), attendees=[
        {"email": GOOGLE_ID, "self": True, "responseStatus": "declined"},
        {"email": "boss@example.com", "organizer": True, "responseStatus": "accepted"}])
    meeting = fake_google.add_event(GOOGLE_ID, "Meeting", at(11), at(12), attendees=[
        {"email": GOOGLE_ID, "self": True, "responseStatus": "accepted"}])
    run = sync()
    assert run.status == "succeeded", run.errors
    return {name: Event.objects.get(external_id=item["id"])
            for name, item in (("hold", hold), ("review", review), ("meeting", meeting))}


def test_free_and_declined_entries_are_stored_as_transparent(three_entries):
    assert {name: e.transparency for name, e in three_entries.items()} == {
        "hold": "transparent", "review": "transparent", "meeting": "opaque"}
    assert three_entries["review"].attendees == [GOOGLE_ID, "boss@example.com"]


def test_only_the_busy_entry_conflicts(three_entries, google_calendar):
    draft = Event(calendar=google_calendar, title="new", start_time=at(9), end_time=at(12))
    assert conflicts_for(draft) == [three_entries["meeting"].pk]
    for name in ("hold", "review"):
        assert conflicts_for(three_entries[name]) == []


def test_availability_leaves_their_time_free(three_entries, api):
    res = api(scopes=["events.write"]).post("/api/v1/availability", {
        "start_time": at(9).isoformat(), "end_time": at(13).isoformat(), "duration_minutes": 60,
        "slot_minutes": 60, "calendar_ids": ["work"], "working_hours_only": False}, format="json")
    assert res.status_code == 200, res.json()
    body = res.json()
    assert [(s["start_time"][11:16], s["end_time"][11:16], s["available"], s["conflicts"])
            for s in body["calendars"][0]["slots"]] == [
        ("09:00", "11:00", True, []), ("11:00", "12:00", False, [three_entries["meeting"].pk]),
        ("12:00", "13:00", True, [])]
    assert [s["start_time"][11:16] for s in body["common_free"]] == ["09:00", "10:00", "12:00"]


def test_google_freebusy_for_the_owner_agrees(three_entries, api):
    # The owner as an attendee: Google's own freeBusy answer (from the fake) leaves the same time free.
    res = api(scopes=["events.write"]).post("/api/v1/availability", {
        "start_time": at(9).isoformat(), "end_time": at(13).isoformat(), "duration_minutes": 60,
        "slot_minutes": 60, "attendees": [GOOGLE_ID], "working_hours_only": False}, format="json")
    assert res.status_code == 200, res.json()
    owner = res.json()["attendees"][0]
    assert owner["source"] == "google"
    assert [(s["start_time"][11:16], s["end_time"][11:16], s["available"]) for s in owner["slots"]] == [
        ("09:00", "11:00", True), ("11:00", "12:00", False), ("12:00", "13:00", True)]


def test_a_change_of_show_as_in_google_comes_in_with_the_next_sync(three_entries, fake_google, sync):
    fake_google.update_event(GOOGLE_ID, three_entries["meeting"].external_id, transparency="transparent")
    fake_google.update_event(GOOGLE_ID, three_entries["hold"].external_id, transparency="opaque")
    run = sync()
    assert (run.status, run.updated) == ("succeeded", 2), run.errors
    assert Event.objects.get(pk=three_entries["meeting"].pk).transparency == "transparent"
    assert Event.objects.get(pk=three_entries["hold"].pk).transparency == "opaque"


def test_write_back_sends_show_as(fake_google, google_calendar, api, django_capture_on_commit_callbacks):
    client = api(scopes=["events.write", "events.read"])
    with django_capture_on_commit_callbacks(execute=True):
        created = client.post("/api/v1/events", {
            "calendar_id": "work", "title": "Tentative block", "transparency": "transparent",
            "start_time": at(14).isoformat(), "end_time": at(15).isoformat()}, format="json")
    assert created.status_code == 201, created.json()
    event = Event.objects.get(pk=created.json()["id"])
    assert fake_google.get(GOOGLE_ID, event.external_id)["transparency"] == "transparent"

    with django_capture_on_commit_callbacks(execute=True):
        changed = client.patch(f"/api/v1/events/{event.pk}", {"transparency": "opaque"}, format="json")
    assert changed.status_code == 200, changed.json()
    assert fake_google.get(GOOGLE_ID, event.external_id)["transparency"] == "opaque"
