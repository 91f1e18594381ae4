"""POST /api/v1/events/{id}/reschedule: confirm moves the event, reject keeps it; both audited."""

from __future__ import annotations

from apps.audit.models import AuditEntry
from apps.core import signals
from apps.events.models import Event
from tests.scheduling.conftest import utc


def test_confirm_moves_the_event_keeping_its_length(api, calendar, event):
    ev = event(calendar("work"), utc(2025, 3, 3, 9), utc(2025, 3, 3, 10, 30))
    seen = []

    def listener(_type, data):
        seen.append(data)

    signals.subscribe("event.rescheduled", listener)
    try:
        client = api(scopes=["events.write"])
        res = client.post(f"/api/v1/events/{ev.pk}/reschedule", {"start_time": "2025-03-04T14:00:00+01:00"},
                          format="json")
    finally:
        signals.unsubscribe("event.rescheduled", listener)
    assert res.status_code == 200, res.json()
    assert res.json()["start_time"] == "2025-03-04T13:00:00Z"
    assert res.json()["end_time"] == "2025-03-04T14:30:00Z"
    ev.refresh_from_db()
    assert (ev.start_time, ev.end_time) == (utc(2025, 3, 4, 13), utc(2025, 3, 4, 14, 30))
    entry = AuditEntry.objects.get(action="reschedule", entity="event", entity_id=str(ev.pk))
    assert entry.changes["start_time"] == ["2025-03-03T09:00:00Z", "2025-03-04T13:00:00Z"]
    assert entry.actor == f"key:{client.api_key.key_id}"
    assert seen and seen[0]["id"] == ev.pk and seen[0]["previous_start_time"].startswith("2025-03-03T09:00")


def test_reject_keeps_the_event_and_records_it(api, calendar, event):
    ev = event(calendar("work"), utc(2025, 3, 3, 9), utc(2025, 3, 3, 10))
    res = api(scopes=["events.write"]).post(f"/api/v1/events/{ev.pk}/reschedule",
                                            {"action": "reject", "start_time": "2025-03-04T09:00:00Z",
                                             "reason": "prefer mornings"}, format="json")
    assert res.status_code == 200 and res.json()["rescheduled"] is False
    ev.refresh_from_db()
    assert ev.start_time == utc(2025, 3, 3, 9)
    entry = AuditEntry.objects.get(action="reschedule_reject", entity_id=str(ev.pk))
    assert entry.changes["rejected_start_time"][1] == "2025-03-04T09:00:00Z"
    assert entry.changes["reason"][1] == "prefer mornings"


def test_confirming_into_a_collision_in_auto_plan_mode_suggests_slots(api, calendar, event):
    cal = calendar("work", default_mode="auto_plan")
    other = event(cal, utc(2030, 3, 4, 9), utc(2030, 3, 4, 10))
    ev = event(cal, utc(2030, 3, 3, 9), utc(2030, 3, 3, 10))
    res = api(scopes=["events.write"]).post(f"/api/v1/events/{ev.pk}/reschedule",
                                            {"start_time": "2030-03-04T09:30:00Z"}, format="json")
    body = res.json()
    assert res.status_code == 200 and body["conflicts"] == [other.pk]
    assert body["suggestions"][0] == {"start_time": "2030-03-04T10:00:00Z", "end_time": "2030-03-04T11:00:00Z"}


def test_bad_requests_change_nothing(api, calendar, event):
    client = api(scopes=["events.write"])
    ev = event(calendar("work"), utc(2025, 3, 3, 9), utc(2025, 3, 3, 10))
    assert client.post(f"/api/v1/events/{ev.pk}/reschedule", {}, format="json").status_code == 400
    assert client.post(f"/api/v1/events/{ev.pk}/reschedule", {"start_time": "2025-03-04T09:00"},
                       format="json").status_code == 400
    assert client.post("/api/v1/events/999999/reschedule", {"start_time": "2025-03-04T09:00:00Z"},
                       format="json").status_code == 404
    ev.status = Event.Status.CANCELLED
    ev.save()
    assert client.post(f"/api/v1/events/{ev.pk}/reschedule", {"start_time": "2025-03-04T09:00:00Z"},
                       format="json").status_code == 409
    ev.refresh_from_db()
    assert ev.start_time == utc(2025, 3, 3, 9)
    assert not AuditEntry.objects.filter(action="reschedule").exists()
    assert api(scopes=["events.read"]).post(f"/api/v1/events/{ev.pk}/reschedule",
                                            {"start_time": "2025-03-04T09:00:00Z"}, format="json").status_code == 403


def test_an_impossible_time_is_a_400_naming_the_field(api, calendar, event):
    client = api(scopes=["events.write"])
    ev = event(calendar("work"), utc(2025, 3, 3, 9), utc(2025, 3, 3, 10))
    response = client.post(f"/api/v1/events/{ev.pk}/reschedule", {"start_time": "2025-03-04T09:61:00Z"},
                           format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["detail", "start_time"]
    ev.refresh_from_db()
    assert ev.start_time == utc(2025, 3, 3, 9)


def test_an_entry_of_a_read_only_feed_is_not_moved(api, calendar, event):
    feed = calendar("holidays")
    feed.source = feed.Source.ICS
    feed.save()
    ev = event(feed, utc(2025, 3, 3, 9), utc(2025, 3, 3, 10))
    res = api(scopes=["events.write"]).post(f"/api/v1/events/{ev.pk}/reschedule",
                                            {"start_time": "2025-03-04T14:00:00+01:00"}, format="json")
    assert res.status_code == 409, res.json()
    assert "read-only subscription" in res.json()["detail"]
    ev.refresh_from_db()
    assert ev.start_time == utc(2025, 3, 3, 9)
