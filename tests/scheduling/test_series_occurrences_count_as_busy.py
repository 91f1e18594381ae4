"""Availability, auto-plan suggestions, analytics and optimize see the occurrences of series."""

from __future__ import annotations

from apps.events.models import EventException
from tests.scheduling.conftest import utc


def _daily(event, cal, **fields):
    # 10:00-11:00 UTC every day from Monday 3 March 2025, five times.
    return event(cal, utc(2025, 3, 3, 10), utc(2025, 3, 3, 11), title="Stand-up",
                 recurrence=["RRULE:FREQ=DAILY;COUNT=5"], **fields)


def test_availability_is_busy_at_each_occurrence_not_only_the_first(api, calendar, event):
    work = calendar("work", slot_minutes=60)
    series = _daily(event, work)
    EventException.objects.create(series=series, original_start=utc(2025, 3, 5, 10), cancelled=True)
    client = api(scopes=["events.write"])

    def busy(day: int) -> list:
        res = client.post("/api/v1/availability", {
            "start_time": f"2025-03-0{day}T09:00:00Z", "end_time": f"2025-03-0{day}T12:00:00Z", "duration_minutes": 60,
            "calendar_ids": ["work"]}, format="json")
        assert res.status_code == 200, res.content
        return [(s["start_time"][11:16], s["end_time"][11:16], s["conflicts"])
                for s in res.json()["calendars"][0]["slots"] if not s["available"]]

    assert busy(3) == [("10:00", "11:00", [f"{series.pk}_20250303T100000Z"])]
    assert busy(4) == [("10:00", "11:00", [f"{series.pk}_20250304T100000Z"])]
    assert busy(5) == []  # cancelled occurrence
    assert busy(8) == []  # after COUNT


def test_analytics_counts_every_occurrence_and_its_conflicts(api, calendar, event):
    work = calendar("work")
    _daily(event, work, event_type="meeting")
    clash = event(work, utc(2025, 3, 4, 10, 30), utc(2025, 3, 4, 11, 30), title="Clash")
    body = api(scopes=["events.read"]).get(
        "/api/v1/analytics/productivity?start=2025-03-03&end=2025-03-09&calendar=work").json()
    assert body["totals"]["events"] == 6
    assert body["totals"]["hours"] == 6.0
    assert body["conflicts"] == {"pairs": 1, "events": 2}
    optimize = api(scopes=["events.write"]).post("/api/v1/ai/optimize", {"start": "2025-03-03", "end": "2025-03-09",
                                                                        "calendar_ids": ["work"]}, format="json").json()
    conflict = [s for s in optimize["suggestions"] if s["rule"] == "conflict"]
    assert len(conflict) == 1
    assert sorted(map(str, conflict[0]["event_ids"])) == sorted([str(clash.pk), f"{clash.pk - 1}_20250304T100000Z"])


def test_auto_plan_suggestions_avoid_occurrences(api, calendar, event):
    work = calendar("work", default_mode="auto_plan", timezone="UTC",
                    working_hours={d: ["09:00", "12:00"] for d in ("mon", "tue", "wed", "thu", "fri")})
    # Suggestions start from now: a never-ending daily series blocks 10:00-11:00 on every day.
    event(work, utc(2025, 3, 3, 10), utc(2025, 3, 3, 11), title="Stand-up", recurrence=["RRULE:FREQ=DAILY"])
    res = api(scopes=["events.read", "events.write"]).post("/api/v1/events", {
        "calendar_id": "work", "title": "New", "start_time": "2025-03-04T10:00:00Z",
        "end_time": "2025-03-04T11:00:00Z"}, format="json")
    assert res.status_code == 201, res.content
    body = res.json()
    assert body["conflicts"] and all(isinstance(c, str) for c in body["conflicts"])
    assert body["suggestions"]
    for slot in body["suggestions"]:
        start, end = slot["start_time"], slot["end_time"]
        day = start[:10]
        assert not (start < f"{day}T11:00:00Z" and end > f"{day}T10:00:00Z"), slot


def test_a_series_shown_as_free_blocks_none_of_its_occurrences(api, calendar, event):
    work = calendar("work", slot_minutes=60)
    series = _daily(event, work, transparency="transparent")
    client = api(scopes=["events.write", "events.read"])
    res = client.post("/api/v1/availability", {
        "start_time": "2025-03-04T09:00:00Z", "end_time": "2025-03-04T12:00:00Z", "duration_minutes": 60,
        "calendar_ids": ["work"]}, format="json")
    assert res.status_code == 200, res.content
    assert all(s["available"] for s in res.json()["calendars"][0]["slots"])
    clash = client.post("/api/v1/events", {"calendar_id": "work", "title": "Over it", "start_time": "2025-03-04T10:00:00Z",
                                           "end_time": "2025-03-04T11:00:00Z"}, format="json")
    assert clash.status_code == 201, clash.content
    assert clash.json()["conflicts"] == []
    occurrence = client.get(f"/api/v1/events/{series.pk}_20250304T100000Z").json()
    assert occurrence["transparency"] == "transparent" and occurrence["conflicts"] == []
