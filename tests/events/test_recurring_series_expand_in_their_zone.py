"""Recurring series: occurrences in the event's zone, COUNT/UNTIL, EXDATE/RDATE, all-day, validation."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from apps.events.models import Event
from apps.events.recurrence import occurrences


def _series(writer, **body):
    body.setdefault("calendar_id", "work")
    response = writer.post("/api/v1/events", body, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def _starts(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [item["start_time"] for item in response.json()["items"]]


@pytest.mark.parametrize(("zone", "local_utc"), [
    # 09:30 local: CET/CEST in Berlin; EST/EDT in New York (DST changes on other dates there).
    ("Europe/Berlin", ["2026-03-23T08:30:00Z", "2026-03-30T07:30:00Z", "2026-10-19T07:30:00Z", "2026-10-26T08:30:00Z"]),
    ("America/New_York", ["2026-03-02T14:30:00Z", "2026-03-09T13:30:00Z", "2026-10-26T13:30:00Z",
                          "2026-11-02T14:30:00Z"]),
])
def test_weekly_series_keeps_its_wall_clock_time_across_both_dst_changes(writer, calendar, zone, local_utc):
    first = local_utc[0]
    series = _series(writer, title="Stand-up", start_time=first, end_time=first.replace(":30:00Z", ":45:00Z"),
                     timezone=zone, recurrence=["RRULE:FREQ=WEEKLY"])
    assert series["recurrence"] == ["RRULE:FREQ=WEEKLY"] and series["recurring_event_id"] is None
    for moment in local_utc:
        day = moment[:10]
        found = _starts(writer.get("/api/v1/events", {"start": f"{day}T00:00:00Z", "end": f"{day}T23:59:59Z"}))
        assert found == [moment]
    item = writer.get("/api/v1/events", {"start": f"{local_utc[1][:10]}T00:00:00Z",
                                         "end": f"{local_utc[1][:10]}T23:59:59Z"}).json()["items"][0]
    stamp = local_utc[1].replace("-", "").replace(":", "")
    assert item["id"] == f"{series['id']}_{stamp}"
    assert item["recurring_event_id"] == series["id"]
    assert item["original_start_time"] == local_utc[1]
    assert item["end_time"] == local_utc[1].replace(":30:00Z", ":45:00Z")


def test_count_and_until_end_the_series(writer, calendar):
    _series(writer, title="Five", start_time="2026-01-05T10:00:00Z", end_time="2026-01-05T11:00:00Z",
            recurrence=["RRULE:FREQ=DAILY;COUNT=5"])
    _series(writer, title="Until", start_time="2026-01-05T12:00:00Z", end_time="2026-01-05T13:00:00Z",
            recurrence=["RRULE:FREQ=DAILY;UNTIL=20260107T120000Z"])
    response = writer.get("/api/v1/events", {"start": "2026-01-01T00:00:00Z", "end": "2026-02-01T00:00:00Z"})
    titles = [(i["title"], i["start_time"][:10]) for i in response.json()["items"]]
    assert [d for t, d in titles if t == "Five"] == ["2026-01-05", "2026-01-06", "2026-01-07", "2026-01-08",
                                                     "2026-01-09"]
    assert [d for t, d in titles if t == "Until"] == ["2026-01-05", "2026-01-06", "2026-01-07"]
    assert response.json()["total_count"] == 8
    five = Event.objects.get(title="Five")
    assert five.series_end == datetime(2026, 1, 9, 11, tzinfo=UTC)


def test_exdate_and_rdate_remove_and_add_occurrences(writer, calendar):
    _series(writer, title="Gym", start_time="2026-01-05T17:00:00Z", end_time="2026-01-05T18:00:00Z",
            timezone="Europe/Berlin",
            recurrence=["RRULE:FREQ=WEEKLY;COUNT=3", "EXDATE;TZID=Europe/Berlin:20260112T180000",
                        "RDATE:20260110T090000Z"])
    found = _starts(writer.get("/api/v1/events", {"start": "2026-01-01T00:00:00Z", "end": "2026-02-01T00:00:00Z"}))
    assert found == ["2026-01-05T17:00:00Z", "2026-01-10T09:00:00Z", "2026-01-19T17:00:00Z"]


def test_all_day_series_lists_dates_and_date_instance_ids(writer, calendar):
    series = _series(writer, title="Bins", start_time="2026-01-04", all_day=True, timezone="Europe/Berlin",
                     recurrence=["RRULE:FREQ=WEEKLY;BYDAY=SU;COUNT=3"])
    items = writer.get("/api/v1/events", {"start": "2026-01-01T00:00:00Z", "end": "2026-02-01T00:00:00Z"}).json()["items"]
    assert [(i["id"], i["start_time"], i["end_time"], i["original_start_time"]) for i in items] == [
        (f"{series['id']}_20260104", "2026-01-04", "2026-01-05", "2026-01-04"),
        (f"{series['id']}_20260111", "2026-01-11", "2026-01-12", "2026-01-11"),
        (f"{series['id']}_20260118", "2026-01-18", "2026-01-19", "2026-01-18"),
    ]


@pytest.mark.parametrize(("lines", "reason"), [
    (["RRULE:FREQ=SOMETIMES"], "'RRULE:FREQ=SOMETIMES': invalid 'FREQ': SOMETIMES"),
    (["EXRULE:FREQ=DAILY"], "'EXRULE:FREQ=DAILY' is not an RRULE, EXDATE or RDATE line."),
    (["RRULE:FREQ=MINUTELY"], "'RRULE:FREQ=MINUTELY': a rule may repeat at most hourly."),
    (["EXDATE:20261301T000000Z"], "'EXDATE:20261301T000000Z': '20261301T000000Z' is not a valid date or time."),
    (["EXDATE:20260101T000000Z"], "A recurrence needs an RRULE or an RDATE line."),
])
def test_an_invalid_rule_is_a_400_naming_the_problem(writer, calendar, lines, reason):
    response = writer.post("/api/v1/events", {"calendar_id": "work", "title": "x", "start_time": "2026-01-05T10:00:00Z",
                                              "end_time": "2026-01-05T11:00:00Z", "recurrence": lines}, format="json")
    assert response.status_code == 400
    assert response.json()["recurrence"] == [reason]
    assert not Event.objects.exists()


def test_occurrences_interface_excludes_exdates_and_sorts_by_start(writer, calendar):
    series = Event.objects.get(pk=_series(
        writer, title="S", start_time="2026-01-05T10:00:00Z", end_time="2026-01-05T11:00:00Z",
        recurrence=["RRULE:FREQ=DAILY;COUNT=4", "EXDATE:20260106T100000Z"])["id"])
    found = occurrences(series, datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 2, 1, tzinfo=UTC))
    assert [(o.start.day, o.end.hour, o.original_start.day, o.event.pk) for o in found] == [
        (5, 11, 5, series.pk), (7, 11, 7, series.pk), (8, 11, 8, series.pk)]
    assert all(o.start.tzinfo is not None and o.start.utcoffset().total_seconds() == 0 for o in found)


@pytest.mark.parametrize(("lines", "reason"), [
    (["RRULE:FREQ=DAILY;BYMONTHDAY=99999999999999999999"],
     "'RRULE:FREQ=DAILY;BYMONTHDAY=99999999999999999999': BYMONTHDAY must be within -31..31."),
    (["RDATE:99991231T000000Z"], "'RDATE:99991231T000000Z': year 9999 is out of range."),
    (["RRULE:FREQ=DAILY;UNTIL=99991231T235959Z"], None),
])
def test_hostile_rules_are_refused_or_stored_without_stalling(writer, calendar, lines, reason):
    response = writer.post("/api/v1/events", {"calendar_id": "work", "title": "x", "start_time": "2026-01-05T10:00:00Z",
                                              "end_time": "2026-01-05T11:00:00Z", "recurrence": lines}, format="json")
    assert response.status_code in (201, 400), response.content
    if reason is not None:
        assert response.json()["recurrence"] == [reason]
    if response.status_code == 201:
        window = writer.get("/api/v1/events", {"start": "2026-01-01T00:00:00Z", "end": "2026-01-08T00:00:00Z"})
        assert window.status_code == 200


def test_a_huge_count_is_stored_as_a_series_without_a_known_end(writer, calendar):
    series = _series(writer, title="Many", start_time="2026-01-05T10:00:00Z", end_time="2026-01-05T11:00:00Z",
                     recurrence=["RRULE:FREQ=HOURLY;COUNT=1000000000"])
    assert Event.objects.get(pk=series["id"]).series_end is None
    found = _starts(writer.get("/api/v1/events", {"start": "2026-01-05T10:00:00Z", "end": "2026-01-05T13:00:00Z"}))
    assert found == ["2026-01-05T10:00:00Z", "2026-01-05T11:00:00Z", "2026-01-05T12:00:00Z"]
