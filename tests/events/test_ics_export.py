"""GET /api/v1/events/export.ics: valid iCalendar, read back by the icalendar library."""

from __future__ import annotations

from datetime import UTC, date, datetime

from icalendar import Calendar as ICalendar

from tests.events.factories import CalendarFactory, EventFactory


def test_export_parses_and_keeps_times_dates_and_text(reader, make_event):
    timed = make_event("2025-03-10T09:00", title="Call; with, commas", description="line one\nline two",
                       location="Room 1", tags=["a", "b"], attendees=["kim@example.com"])
    all_day = make_event("2025-03-12T00:00", minutes=60 * 48, title="Offsite", all_day=True,
                         start_date=date(2025, 3, 12), end_date=date(2025, 3, 14))
    CalendarFactory(id="home")
    EventFactory(calendar_id="home", title="Not exported")
    response = reader.get("/api/v1/events/export.ics", {"calendar": "work"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    cal = ICalendar.from_ical(response.content)
    assert str(cal["version"]) == "2.0" and cal["prodid"]
    events = {str(c["uid"]): c for c in cal.walk("VEVENT")}
    assert set(events) == {f"event-{timed.id}@chronos", f"event-{all_day.id}@chronos"}
    first = events[f"event-{timed.id}@chronos"]
    assert str(first["summary"]) == "Call; with, commas"
    assert str(first["description"]) == "line one\nline two"
    assert first.decoded("dtstart") == datetime(2025, 3, 10, 9, tzinfo=UTC)
    assert first.decoded("dtend") == datetime(2025, 3, 10, 10, tzinfo=UTC)
    second = events[f"event-{all_day.id}@chronos"]
    assert second.decoded("dtstart") == date(2025, 3, 12)
    assert second.decoded("dtend") == date(2025, 3, 14)
    assert second["dtstart"].params.get("VALUE") == "DATE"


def test_export_of_an_unknown_calendar_is_404(reader, db):
    assert reader.get("/api/v1/events/export.ics", {"calendar": "nope"}).status_code == 404


def test_export_works_with_an_accept_header_for_calendars(reader, make_event):
    make_event("2025-03-10T09:00")
    response = reader.get("/api/v1/events/export.ics", HTTP_ACCEPT="text/calendar")
    assert response.status_code == 200
    assert len(ICalendar.from_ical(response.content).walk("VEVENT")) == 1


def test_start_and_end_narrow_the_export_with_the_lists_overlap_rule(reader, make_event):
    before = make_event("2025-03-09T22:00", minutes=60, title="Ends before")
    spanning = make_event("2025-03-09T23:30", minutes=60, title="Runs into the window")
    inside = make_event("2025-03-10T09:00", title="Inside")
    make_event("2025-03-11T00:00", title="Starts at the end")
    response = reader.get("/api/v1/events/export.ics",
                          {"calendar": "work", "start": "2025-03-10T00:00:00Z", "end": "2025-03-11T00:00:00Z"})
    assert response.status_code == 200
    uids = {str(c["uid"]) for c in ICalendar.from_ical(response.content).walk("VEVENT")}
    assert uids == {f"event-{spanning.id}@chronos", f"event-{inside.id}@chronos"}
    assert f"event-{before.id}@chronos" not in uids
