from __future__ import annotations

from datetime import UTC, datetime

from apps.commands.models import Command
from apps.events.models import Event
from apps.events.recurrence import occurrences
from apps.sync.models import PendingPush
from tests.events.stored import assert_stored_as_computed
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
    assert event.recurrence == ["RRULE:FREQ=WEEKLY;COUNT=10;BYDAY=MO", "EXDATE;TZID=Europe/Berlin:20260316T090000"]
    assert event.is_recurring and event.series_end == datetime(2026, 5, 4, 7, 30, tzinfo=UTC)
    assert list(event.exceptions.order_by("original_start").values_list(
        "original_start", "cancelled", "start_time", "end_time", "overrides")) == [
        (datetime(2026, 3, 23, 8, tzinfo=UTC), False, datetime(2026, 3, 23, 13, tzinfo=UTC),
         datetime(2026, 3, 23, 13, 30, tzinfo=UTC), {"title": "Weekly planning (afternoon)"}),
        (datetime(2026, 3, 30, 7, tzinfo=UTC), True, None, None, {}),
    ]
    # The series as the rest of Chronos sees it: no 16 March (EXDATE), 23 March moved, 30 March gone.
    starts = [(o.start, o.value("title")) for o in occurrences(event, datetime(2026, 3, 9, tzinfo=UTC),
                                                                 datetime(2026, 4, 7, tzinfo=UTC))]
    assert starts == [(datetime(2026, 3, 9, 8, tzinfo=UTC), "Weekly planning"),
                      (datetime(2026, 3, 23, 13, tzinfo=UTC), "Weekly planning (afternoon)"),
                      (datetime(2026, 4, 6, 7, tzinfo=UTC), "Weekly planning")]


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


def test_a_remote_change_of_the_exceptions_replaces_the_stored_ones(radicale, caldav_calendar, caldav_sync):
    radicale.put(caldav_calendar.url, "weekly.ics", SERIES)
    caldav_sync()
    # The afternoon move is undone on the server; the cancelled 30 March stays cancelled.
    radicale.put(caldav_calendar.url, "weekly.ics", SERIES.replace(
        SERIES[SERIES.index("BEGIN:VEVENT\nUID:weekly\nDTSTAMP:20260301T000000Z\nRECURRENCE-ID;TZID=Europe/Berlin:"
                            "20260323"):SERIES.index("BEGIN:VEVENT\nUID:weekly\nDTSTAMP:20260301T000000Z\n"
                                                     "RECURRENCE-ID;TZID=Europe/Berlin:20260330")], ""))

    run = caldav_sync()

    assert (run.status, run.updated) == ("succeeded", 1)
    event = Event.objects.get()
    assert list(event.exceptions.values_list("original_start", "cancelled")) == [
        (datetime(2026, 3, 30, 7, tzinfo=UTC), True)]
    assert_stored_as_computed()  # exceptions replaced in bulk: the rows followed


def test_a_local_change_of_the_rule_is_written_back(radicale, caldav_calendar, caldav_sync, api,
                                                    django_capture_on_commit_callbacks):
    radicale.put(caldav_calendar.url, "weekly.ics", SERIES)
    caldav_sync()
    event = Event.objects.get()
    client = api(scopes=["events.write", "events.read"])

    with django_capture_on_commit_callbacks(execute=True):
        response = client.patch(f"/api/v1/events/{event.pk}", {"recurrence": ["RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=4"]},
                                format="json")
    assert response.status_code == 200, response.data

    status, etag, body = radicale.get(caldav_calendar.url, "weekly.ics")
    assert status == 200 and "RRULE:FREQ=WEEKLY;COUNT=4;BYDAY=MO" in body and "EXDATE" not in body
    assert "RECURRENCE-ID;TZID=Europe/Berlin:20260323T090000" in body  # overrides on the server stay
    assert not PendingPush.objects.exists()
    again = caldav_sync()
    assert (again.created, again.deleted, again.conflicts) == (0, 0, 0)
    assert Event.objects.get().recurrence == ["RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=4"]  # our own change: kept
