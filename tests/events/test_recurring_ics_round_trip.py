"""The .ics export writes series as RRULE/EXDATE with RECURRENCE-ID exceptions; read back, same occurrences."""

from __future__ import annotations

from datetime import UTC, date, datetime

import recurring_ical_events
from icalendar import Calendar as ICalendar


def _post(writer, **body):
    body.setdefault("calendar_id", "work")
    response = writer.post("/api/v1/events", body, format="json")
    assert response.status_code == 201, response.content
    return response.json()["id"]


def test_export_of_a_series_with_exceptions_reads_back_as_the_same_occurrences(writer, calendar):
    sid = _post(writer, title="Weekly", start_time="2026-03-16T08:30:00Z", end_time="2026-03-16T09:00:00Z",
                timezone="Europe/Berlin",
                recurrence=["RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=6", "EXDATE;TZID=Europe/Berlin:20260323T093000"])
    _post(writer, title="Single", start_time="2026-03-17T12:00:00Z", end_time="2026-03-17T13:00:00Z")
    assert writer.patch(f"/api/v1/events/{sid}_20260330T073000Z",
                        {"start_time": "2026-03-31T12:00:00Z", "title": "Moved"}, format="json").status_code == 200
    assert writer.delete(f"/api/v1/events/{sid}_20260406T073000Z").status_code == 204

    listed = writer.get("/api/v1/events", {"start": "2026-03-01T00:00:00Z", "end": "2026-05-01T00:00:00Z"}).json()
    expected = [(i["title"], datetime.fromisoformat(i["start_time"].replace("Z", "+00:00"))) for i in listed["items"]]

    response = writer.get("/api/v1/events/export.ics", {"calendar": "work"})
    assert response.status_code == 200
    cal = ICalendar.from_ical(response.content)
    masters = [c for c in cal.walk("VEVENT") if c.get("rrule")]
    assert len(masters) == 1
    master = masters[0]
    assert master["rrule"].to_ical() == b"FREQ=WEEKLY;COUNT=6;BYDAY=MO"
    assert master["dtstart"].params["TZID"] == "Europe/Berlin"
    excluded = sorted(d.dt for e in (master["exdate"] if isinstance(master["exdate"], list) else [master["exdate"]])
                      for d in e.dts)
    assert [d.astimezone(UTC) for d in excluded] == [datetime(2026, 3, 23, 8, 30, tzinfo=UTC),
                                                     datetime(2026, 4, 6, 7, 30, tzinfo=UTC)]
    moved = [c for c in cal.walk("VEVENT") if c.get("recurrence-id")]
    assert [(str(c["summary"]), c.decoded("recurrence-id").astimezone(UTC)) for c in moved] == [
        ("Moved", datetime(2026, 3, 30, 7, 30, tzinfo=UTC))]
    assert len(cal.walk("VTIMEZONE")) == 1

    read_back = recurring_ical_events.of(cal).between(datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 5, 1, tzinfo=UTC))
    got = sorted(((str(c["summary"]), c.decoded("dtstart").astimezone(UTC)) for c in read_back), key=lambda x: x[1])
    assert got == expected
    assert [t for t, _ in got] == ["Weekly", "Single", "Moved", "Weekly", "Weekly"]


def test_an_all_day_series_exports_dates(writer, calendar):
    _post(writer, title="Bins", start_time="2026-01-04", all_day=True, timezone="Europe/Berlin",
          recurrence=["RRULE:FREQ=WEEKLY;COUNT=3", "EXDATE;VALUE=DATE:20260111"])
    cal = ICalendar.from_ical(writer.get("/api/v1/events/export.ics", {"calendar": "work"}).content)
    got = [c.decoded("dtstart") for c in recurring_ical_events.of(cal).between(date(2026, 1, 1), date(2026, 2, 1))]
    assert sorted(got) == [date(2026, 1, 4), date(2026, 1, 18)]
