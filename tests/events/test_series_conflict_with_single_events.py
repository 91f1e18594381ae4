"""Conflicts see occurrences: a series against a single event, both ways."""

from __future__ import annotations


def _post(writer, **body):
    body.setdefault("calendar_id", "work")
    response = writer.post("/api/v1/events", body, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def test_an_occurrence_and_a_single_event_name_each_other(writer, calendar):
    series = _post(writer, title="Stand-up", start_time="2026-01-05T09:00:00Z", end_time="2026-01-05T09:30:00Z",
                   recurrence=["RRULE:FREQ=DAILY;COUNT=5"])
    single = _post(writer, title="Dentist", start_time="2026-01-07T09:15:00Z", end_time="2026-01-07T10:00:00Z")
    assert single["conflicts"] == [f"{series['id']}_20260107T090000Z"]
    items = writer.get("/api/v1/events", {"start": "2026-01-07T00:00:00Z", "end": "2026-01-08T00:00:00Z"}).json()["items"]
    assert [(i["id"], i["conflicts"]) for i in items] == [
        (f"{series['id']}_20260107T090000Z", [single["id"]]),
        (single["id"], [f"{series['id']}_20260107T090000Z"]),
    ]
    other_day = writer.get(f"/api/v1/events/{series['id']}_20260108T090000Z").json()
    assert other_day["conflicts"] == []


def test_a_cancelled_occurrence_conflicts_with_nothing(writer, calendar):
    series = _post(writer, title="Stand-up", start_time="2026-01-05T09:00:00Z", end_time="2026-01-05T09:30:00Z",
                   recurrence=["RRULE:FREQ=DAILY;COUNT=5"])
    assert writer.delete(f"/api/v1/events/{series['id']}_20260107T090000Z").status_code == 204
    single = _post(writer, title="Dentist", start_time="2026-01-07T09:15:00Z", end_time="2026-01-07T10:00:00Z")
    assert single["conflicts"] == []


def test_two_series_collide_on_their_shared_occurrences(writer, calendar):
    a = _post(writer, title="A", start_time="2026-01-05T09:00:00Z", end_time="2026-01-05T10:00:00Z",
              recurrence=["RRULE:FREQ=DAILY;COUNT=3"])
    b = _post(writer, title="B", start_time="2026-01-06T09:30:00Z", end_time="2026-01-06T10:30:00Z",
              recurrence=["RRULE:FREQ=WEEKLY;COUNT=2"])
    items = writer.get("/api/v1/events", {"start": "2026-01-06T00:00:00Z", "end": "2026-01-07T00:00:00Z"}).json()["items"]
    assert [(i["id"], i["conflicts"]) for i in items] == [
        (f"{a['id']}_20260106T090000Z", [f"{b['id']}_20260106T093000Z"]),
        (f"{b['id']}_20260106T093000Z", [f"{a['id']}_20260106T090000Z"]),
    ]
