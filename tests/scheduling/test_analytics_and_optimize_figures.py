"""Analytics and optimize checked against a small calendar computed by hand.

Calendar "work" (UTC, Mon-Fri 09:00-17:00):

    Mon 2025-03-03  A meeting 09:00-10:00 [team]          (kim)
                    B meeting 10:00-11:30 [team, planning] (kim)   touches A: no conflict, no break
                    C task    11:00-12:00 [eng] completed, sub-tasks 1 of 2 done   overlaps B
                    D meeting 14:00-15:00 cancelled                 ignored everywhere
    Tue 2025-03-04  F task    13:00-14:00 sub-tasks 2 of 2 done
                    G meeting 09:00-16:00 priority LOW              overlaps F, 7 h of meetings
"""

from __future__ import annotations

import pytest
import time_machine

from apps.events.models import Event, SubTask
from tests.scheduling.conftest import utc


@pytest.fixture
def week(calendar, event):
    cal = calendar("work")
    ev = {
        "A": event(cal, utc(2025, 3, 3, 9), utc(2025, 3, 3, 10), "A", tags=["team"], attendees=["kim@x.com"]),
        "B": event(cal, utc(2025, 3, 3, 10), utc(2025, 3, 3, 11, 30), "B", tags=["team", "planning"],
                   attendees=["kim@x.com"]),
        "C": event(cal, utc(2025, 3, 3, 11), utc(2025, 3, 3, 12), "C", tags=["eng"], event_type="task",
                   status=Event.Status.COMPLETED),
        "D": event(cal, utc(2025, 3, 3, 14), utc(2025, 3, 3, 15), "D", status=Event.Status.CANCELLED),
        "F": event(cal, utc(2025, 3, 4, 13), utc(2025, 3, 4, 14), "F", event_type="task"),
        "G": event(cal, utc(2025, 3, 4, 9), utc(2025, 3, 4, 16), "G", priority="LOW"),
    }
    SubTask.objects.create(event=ev["C"], text="one", completed=True)
    SubTask.objects.create(event=ev["C"], text="two", completed=False)
    SubTask.objects.create(event=ev["F"], text="one", completed=True)
    SubTask.objects.create(event=ev["F"], text="two", completed=True)
    with time_machine.travel(utc(2025, 3, 1), tick=False):
        yield ev


def test_productivity_figures(api, week):
    res = api(scopes=["events.read"]).get("/api/v1/analytics/productivity?start=2025-03-03&end=2025-03-04&calendar=work")
    assert res.status_code == 200, res.json()
    body = res.json()
    assert (body["start"], body["end"]) == ("2025-03-03T00:00:00Z", "2025-03-05T00:00:00Z")
    assert body["totals"] == {"events": 5, "timed_events": 5, "all_day_events": 0, "cancelled_events": 1,
                              "hours": 11.5}
    assert body["hours_by_calendar"] == {"work": 11.5}
    assert body["hours_by_type"] == {"meeting": 9.5, "task": 2.0}
    assert body["hours_by_tag"] == {"eng": 1.0, "planning": 1.5, "team": 2.5}
    assert body["meeting_load"] == [{"date": "2025-03-03", "meetings": 2, "hours": 2.5},
                                    {"date": "2025-03-04", "meetings": 1, "hours": 7.0}]
    assert body["tasks"] == {"total": 2, "completed": 1, "completion_rate": 0.5}
    assert body["checklists"] == {"total": 2, "completed": 1, "completion_rate": 0.5, "sub_tasks_total": 4,
                                  "sub_tasks_completed": 3, "sub_task_completion_rate": 0.75}
    assert body["conflicts"] == {"pairs": 2, "events": 4}
    assert body["focus_blocks"] == [
        {"date": "2025-03-03", "minutes": 300, "start_time": "2025-03-03T12:00:00Z", "end_time": "2025-03-03T17:00:00Z"},
        {"date": "2025-03-04", "minutes": 60, "start_time": "2025-03-04T16:00:00Z", "end_time": "2025-03-04T17:00:00Z"},
    ]


def test_optimize_suggestions_each_name_their_rule(api, week):
    res = api(scopes=["events.write"]).post("/api/v1/ai/optimize", {"start": "2025-03-03", "end": "2025-03-04",
                                                                    "calendar_ids": ["work"]}, format="json")
    assert res.status_code == 200, res.json()
    body = res.json()
    ids = {k: v.pk for k, v in week.items()}
    got = [(s["rule"], s["event_ids"]) for s in body["suggestions"]]
    assert got == [
        ("missing_break", [ids["A"], ids["B"]]),
        ("conflict", [ids["C"], ids["B"]]),          # same priority: the later start moves
        ("focus_block", []),
        ("meeting_overload", [ids["G"]]),
        ("conflict", [ids["G"], ids["F"]]),          # LOW priority moves although it starts first
    ]
    move_c = body["suggestions"][1]
    assert move_c["move_event_id"] == ids["C"]
    assert [s["start_time"][11:16] for s in move_c["proposed_slots"]] == ["11:30", "12:30", "13:30", "14:30", "15:30"]
    move_g = body["suggestions"][4]
    assert move_g["proposed_slots"][:2] == [
        {"start_time": "2025-03-05T09:00:00Z", "end_time": "2025-03-05T16:00:00Z"},
        {"start_time": "2025-03-06T09:00:00Z", "end_time": "2025-03-06T16:00:00Z"}]
    assert body["suggestions"][0]["gap_minutes"] == 0
    assert body["suggestions"][2]["minutes"] == 300 and body["suggestions"][2]["date"] == "2025-03-03"
    assert body["suggestions"][3]["meeting_hours"] == 7.0
    assert body["counts"] == {"conflict": 2, "focus_block": 1, "meeting_overload": 1, "missing_break": 1}
    # Deterministic: the same question gives the same answer.
    again = api(scopes=["events.write"]).post("/api/v1/ai/optimize", {"start": "2025-03-03", "end": "2025-03-04",
                                                                      "calendar_ids": ["work"]}, format="json")
    assert again.json() == body


def test_bad_windows_are_400(api, week):
    client = api(scopes=["events.read", "events.write"])
    assert client.get("/api/v1/analytics/productivity?start=2025-03-05&end=2025-03-01").status_code == 400
    assert client.get("/api/v1/analytics/productivity?start=yesterday").status_code == 400
    assert client.get("/api/v1/analytics/productivity?start=2025-03-01T00:00:00").status_code == 400
    assert client.get("/api/v1/analytics/productivity?calendar=nope").status_code == 400
    assert client.post("/api/v1/ai/optimize", {"start": "2025-03-03"}, format="json").status_code == 400
    assert client.post("/api/v1/ai/optimize", ["x"], format="json").status_code == 400
    assert api(scopes=["events.read"]).post("/api/v1/ai/optimize", {"start": "2025-03-03", "end": "2025-03-04"},
                                            format="json").status_code == 403
