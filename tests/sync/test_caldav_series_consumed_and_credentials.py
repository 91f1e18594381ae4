from __future__ import annotations

from datetime import UTC, datetime

from apps.commands.models import Command
from apps.events.models import Event
from apps.sync.models import EventSyncMeta, PendingPush
from tests.sync.radicale import vevent

SERIES = """BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//test//EN
BEGIN:VEVENT
UID:weekly
DTSTAMP:20260301T000000Z
DTSTART;TZID=Europe/Berlin:20260302T090000
DTEND;TZID=Europe/Berlin:20260302T093000
RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=10
EXDATE;TZID=Europe/Berlin:20260316T090000
SUMMARY:Weekly planning
END:VEVENT
BEGIN:VEVENT
UID:weekly
DTSTAMP:20260301T000000Z
RECURRENCE-ID;TZID=Europe/Berlin:20260323T090000
DTSTART;TZID=Europe/Berlin:20260323T140000
DTEND;TZID=Europe/Berlin:20260323T143000
SUMMARY:Weekly planning (afternoon)
END:VEVENT
BEGIN:VEVENT
UID:weekly
DTSTAMP:20260301T000000Z
RECURRENCE-ID;TZID=Europe/Berlin:20260330T090000
DTSTART;TZID=Europe/Berlin:20260330T090000
DTEND;TZID=Europe/Berlin:20260330T093000
STATUS:CANCELLED
SUMMARY:Weekly planning
END:VEVENT
END:VCALENDAR
"""


def test_a_series_with_exceptions_is_kept_as_one_entry_with_its_rules(radicale, caldav_calendar, caldav_sync):
    radicale.put(caldav_calendar.url, "weekly.ics", SERIES)

    run = caldav_sync()

    assert (run.status, run.created) == ("succeeded", 1)
    event = Event.objects.get()  # one entry, not one per occurrence
    assert event.title == "Weekly planning" and event.start_time == datetime(2026, 3, 2, 8, tzinfo=UTC)
    meta = EventSyncMeta.objects.get(external_id="weekly.ics")
    assert meta.recurrence == ["RRULE:FREQ=WEEKLY;COUNT=10;BYDAY=MO", "EXDATE;TZID=Europe/Berlin:20260316T090000"]
    assert meta.exceptions == [
        {"original_start": "2026-03-23T08:00:00+00:00", "cancelled": False,
         "start_time": "2026-03-23T13:00:00+00:00", "end_time": "2026-03-23T13:30:00+00:00",
         "overrides": {"title": "Weekly planning (afternoon)"}},
        {"original_start": "2026-03-30T07:00:00+00:00", "cancelled": True, "start_time": None, "end_time": None,
         "overrides": {}},
    ]


def test_a_series_that_began_before_the_window_is_kept_and_removed_with_its_resource(radicale, caldav_calendar,
                                                                                      caldav_sync):
    radicale.put(caldav_calendar.url, "old-weekly.ics", vevent(
        "old-weekly", "Since last year", ";TZID=Europe/Berlin:20250106T090000",
        ";TZID=Europe/Berlin:20250106T100000", extra="RRULE:FREQ=WEEKLY;BYDAY=MO\n"))
    radicale.put(caldav_calendar.url, "ended.ics", vevent(
        "ended", "Ended", ":20250106T090000Z", ":20250106T100000Z", extra="RRULE:FREQ=DAILY;COUNT=3\n"))

    caldav_sync()
    assert list(Event.objects.values_list("external_id", flat=True)) == ["old-weekly.ics"]

    radicale.delete(caldav_calendar.url, "old-weekly.ics")
    run = caldav_sync(full=True)  # a full listing also finds a series that starts before the window
    assert run.deleted == 1 and not Event.objects.exists()


def test_action_and_note_entries_are_consumed_and_deleted_on_the_server(radicale, caldav_calendar, caldav_sync):
    url = caldav_calendar.url
    radicale.put(url, "plain.ics", vevent("plain", "Plain meeting", ":20260323T100000Z", ":20260323T110000Z"))
    radicale.put(url, "action.ics", vevent("action", "ACTION: TRIGGER_WORKFLOW N8N workflow=daily-report",
                                           ":20260323T120000Z", ":20260323T130000Z"))
    radicale.put(url, "note.ics", vevent("note", "NOTIZ: call the bank", ":20260323T140000Z",
                                         ":20260323T150000Z"))

    run = caldav_sync()

    assert run.status == "succeeded", run.errors
    assert (run.created, run.consumed, run.pushed) == (1, 2, 2)
    command = Command.objects.get()
    assert (command.command, command.target_system, command.source_event_id) == ("TRIGGER_WORKFLOW", "N8N",
                                                                                  "action.ics")
    assert radicale.get(url, "action.ics")[0] == 404 and radicale.get(url, "note.ics")[0] == 404
    assert list(Event.objects.values_list("external_id", flat=True)) == ["plain.ics"]
    assert not PendingPush.objects.exists()

    again = caldav_sync()  # the deletions come back as changes: nothing new happens
    assert (again.consumed, again.deleted, Command.objects.count()) == (0, 0, 1)


def test_wrong_credentials_are_reported_clearly_on_the_run_and_in_health(radicale, caldav_calendar, caldav_sync,
                                                                         client):
    caldav_calendar.set_password("not-the-password")
    caldav_calendar.save()

    run = caldav_sync()

    assert run.status == "failed"
    detail = run.errors[-1]["detail"]
    assert detail.startswith("CalDAV server refused the user name or password (401)")
    check = client.get("/health").json()["checks"]["sync"]
    assert check["status"] == "error" and check["detail"] == "last sync failed for team"
    health = client.get("/api/v1/sync/health").json()
    row = next(c for c in health["calendars"] if c["calendar_id"] == "team")
    assert row["source"] == "caldav" and row["last_error"].startswith("CalDAV server refused the user name")
