"""Stored occurrences (EventOccurrence) stay equal to the computed expansion on every write path."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db.models import F

from apps.events import occurrences as stored_occurrences
from apps.events.models import Event, EventException, EventOccurrence
from chronos.config import current
from tests.events.stored import assert_stored_as_computed, stored
from tests.events.test_events_admin import _event_form


def _post(writer, **body):
    body = {"calendar_id": "work", "title": "Series", **body}
    response = writer.post("/api/v1/events", body, format="json")
    assert response.status_code == 201, response.content
    return response.json()["id"]


def _window(writer, **params):
    response = writer.get("/api/v1/events", {"start": "2026-03-01T00:00:00Z", "end": "2026-05-01T00:00:00Z",
                                             "page_size": 500, **params})
    assert response.status_code == 200, response.content
    return response.json()


@pytest.fixture
def staff(client, db):
    user = get_user_model().objects.create_superuser("boss", "boss@example.com", "a-long-password-1")
    client.force_login(user)
    return client


def test_api_writes_keep_rows_equal_to_the_expansion(writer, calendar):
    # A weekly Berlin series across the DST change of 29 March, with an EXDATE.
    sid = _post(writer, start_time="2026-03-09T08:30:00Z", end_time="2026-03-09T09:00:00Z", timezone="Europe/Berlin",
                recurrence=["RRULE:FREQ=WEEKLY;COUNT=8", "EXDATE;TZID=Europe/Berlin:20260316T093000"])
    assert assert_stored_as_computed() == 7
    assert {r[1].hour for r in stored(sid)} == {8, 7}  # 09:30 local on both sides of the change
    # An all-day daily series and a never-ending one.
    day = _post(writer, all_day=True, start_time="2026-03-20", end_time="2026-03-21", timezone="America/New_York",
                recurrence=["RRULE:FREQ=DAILY;UNTIL=20260325"])
    forever = _post(writer, start_time="2026-03-02T12:00:00Z", end_time="2026-03-02T12:15:00Z",
                    recurrence=["RRULE:FREQ=DAILY"])
    assert_stored_as_computed()
    assert len(stored(day)) == 6
    assert Event.objects.get(pk=forever).occurrences_until == stored_occurrences.horizon()

    # Instance PATCH (moved, other status) and DELETE (cancelled).
    assert writer.patch(f"/api/v1/events/{sid}_20260323T083000Z", {"start_time": "2026-03-24T15:00:00Z",
                                                                   "status": "completed"},
                        format="json").status_code == 200
    assert writer.delete(f"/api/v1/events/{sid}_20260406T073000Z").status_code == 204
    assert_stored_as_computed()
    rows = {r[0]: r for r in stored(sid)}
    assert rows[datetime(2026, 3, 23, 8, 30, tzinfo=UTC)][1:4] == (
        datetime(2026, 3, 24, 15, tzinfo=UTC), datetime(2026, 3, 24, 15, 30, tzinfo=UTC), "completed")
    assert datetime(2026, 4, 6, 7, 30, tzinfo=UTC) not in rows

    # A series edit keeps the exceptions that still fit (a longer rule, a new title).
    assert writer.patch(f"/api/v1/events/{sid}", {"recurrence": ["RRULE:FREQ=WEEKLY;COUNT=10"], "title": "Weekly"},
                        format="json").status_code == 200
    assert EventException.objects.filter(series_id=sid).count() == 2
    assert assert_stored_as_computed() and len(stored(sid)) == 9
    # A calendar change moves the rows with it; status of the series follows too.
    writer.post("/api/v1/calendars", {"id": "home", "name": "Home"}, format="json")
    assert writer.patch(f"/api/v1/events/{day}", {"calendar_id": "home"}, format="json").status_code == 200
    assert {r[4] for r in stored(day)} == {"home"}
    # No longer a series: its rows go; deleted: its rows go.
    assert writer.patch(f"/api/v1/events/{day}", {"recurrence": []}, format="json").status_code == 200
    assert not stored(day)
    assert writer.delete(f"/api/v1/events/{sid}").status_code == 204
    assert not stored(sid)
    assert_stored_as_computed()


def test_exception_rows_written_anywhere_update_the_rows(writer, calendar):
    sid = _post(writer, start_time="2026-03-02T10:00:00Z", end_time="2026-03-02T11:00:00Z",
                recurrence=["RRULE:FREQ=DAILY;COUNT=5"])
    series = Event.objects.get(pk=sid)
    moved = EventException.objects.create(series=series, original_start=datetime(2026, 3, 3, 10, tzinfo=UTC),
                                          start_time=datetime(2026, 3, 20, 8, tzinfo=UTC),
                                          end_time=datetime(2026, 3, 20, 9, tzinfo=UTC))
    EventException.objects.create(series=series, original_start=datetime(2026, 3, 4, 10, tzinfo=UTC), cancelled=True)
    assert assert_stored_as_computed() == 4
    moved.delete()
    assert assert_stored_as_computed() == 4  # back at its time; the cancelled one still absent
    EventException.objects.filter(series=series).delete()  # a queryset delete, once per series
    assert assert_stored_as_computed() == 5


def test_admin_save_inline_exception_and_calendar_drag(staff, writer, calendar):
    sid = _post(writer, start_time="2025-03-10T09:00:00Z", end_time="2025-03-10T10:00:00Z",
                recurrence=["RRULE:FREQ=DAILY;COUNT=3"])
    event = Event.objects.get(pk=sid)
    form = _event_form(event, recurrence="RRULE:FREQ=DAILY;COUNT=4", **{
        "exceptions-TOTAL_FORMS": "1", "exceptions-0-original_start_0": "2025-03-11",
        "exceptions-0-original_start_1": "09:00:00", "exceptions-0-cancelled": "on"})
    response = staff.post(f"/admin/events/event/{sid}/change/", form)
    assert response.status_code == 302, response.content[:3000]
    assert EventException.objects.filter(series_id=sid, cancelled=True).count() == 1
    assert assert_stored_as_computed() == 3
    response = staff.post(f"/admin/calendar/move/{sid}/", json.dumps({"start": "2025-03-10T12:00:00",
                                                                       "end": "2025-03-10T13:00:00"}),
                          content_type="application/json")
    assert response.status_code == 200, response.content
    # Moved to 12:00: the cancelled 09:00 occurrence is no longer one of the rule's, all four occur.
    assert assert_stored_as_computed() == 4
    assert sorted(r[1].hour for r in stored(sid)) == [12, 12, 12, 12]


def test_the_window_reads_the_same_from_rows_as_from_the_expansion(writer, calendar):
    sid = _post(writer, start_time="2026-03-09T08:30:00Z", end_time="2026-03-09T09:00:00Z", timezone="Europe/Berlin",
                recurrence=["RRULE:FREQ=DAILY"])
    _post(writer, title="Weekly", start_time="2026-03-02T08:30:00Z", end_time="2026-03-02T09:30:00Z",
          recurrence=["RRULE:FREQ=WEEKLY;BYDAY=MO,TH;COUNT=20"])
    writer.patch(f"/api/v1/events/{sid}_20260312T083000Z", {"start_time": "2026-03-12T07:00:00Z", "title": "Early"},
                 format="json")
    writer.delete(f"/api/v1/events/{sid}_20260313T083000Z")
    for n in range(5):
        _post(writer, title=f"single {n}", start_time=f"2026-03-1{n}T08:30:00Z", end_time=f"2026-03-1{n}T09:00:00Z")
    from_rows = [_window(writer), _window(writer, status="scheduled", page_size=7, page=2),
                 _window(writer, calendar="work")]
    # The same series stored only up to before their start (moved occurrences are always
    # stored): the lazy path answers for the rest.
    EventOccurrence.objects.filter(start_time=F("original_start")).delete()
    Event.objects.filter(is_recurring=True).update(occurrences_until=datetime(2026, 1, 1, tzinfo=UTC))
    lazy = [_window(writer), _window(writer, status="scheduled", page_size=7, page=2),
            _window(writer, calendar="work")]
    assert from_rows == lazy
    assert from_rows[0]["total_count"] == 5 + 53 - 1 + 18  # singles, daily (one cancelled), weekly in the window


def test_a_window_across_the_stored_horizon_expands_the_rest(writer, calendar):
    sid = _post(writer, start_time="2026-03-02T12:00:00Z", end_time="2026-03-02T12:15:00Z",
                recurrence=["RRULE:FREQ=DAILY"])
    until = Event.objects.get(pk=sid).occurrences_until
    assert EventOccurrence.objects.filter(series_id=sid).count() == (until - datetime(2026, 3, 2, tzinfo=UTC)).days
    stamp = "%Y-%m-%dT%H:%M:%SZ"
    body = writer.get("/api/v1/events", {"start": (until - timedelta(days=5)).strftime(stamp),
                                         "end": (until + timedelta(days=5)).strftime(stamp), "page_size": 4}).json()
    assert body["total_count"] == 10
    starts = []
    for page in (1, 2, 3):
        body = writer.get("/api/v1/events", {"start": (until - timedelta(days=5)).strftime(stamp),
                                             "end": (until + timedelta(days=5)).strftime(stamp), "page_size": 4,
                                             "page": page}).json()
        starts += [item["start_time"] for item in body["items"]]
    assert starts == [(until + timedelta(days=d, hours=12)).strftime(stamp) for d in range(-5, 5)]


def test_the_task_extends_and_the_command_rebuilds(writer, calendar):
    sid = _post(writer, start_time="2026-03-02T12:00:00Z", end_time="2026-03-02T12:15:00Z",
                recurrence=["RRULE:FREQ=DAILY"])
    before = Event.objects.get(pk=sid).occurrences_until
    today = before - timedelta(days=current().events.recurrence_horizon_days + stored_occurrences.AHEAD_DAYS)
    assert stored_occurrences.extend_occurrences(now=today + timedelta(days=3)) == 0  # not due yet
    assert stored_occurrences.extend_occurrences(now=today + timedelta(days=10)) == 1
    assert Event.objects.get(pk=sid).occurrences_until > before
    assert_stored_as_computed()
    EventOccurrence.objects.all().delete()
    call_command("rebuild_occurrences", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert assert_stored_as_computed() > 700
    EventOccurrence.objects.all().delete()
    assert stored_occurrences.fill_missing() == 1  # what runs after migrate (and so after a restore)
    assert_stored_as_computed()


def test_a_title_edit_of_a_series_leaves_its_stored_rows_alone_and_a_time_edit_rewrites_them(writer, calendar):
    from apps.events.models import EventOccurrence

    sid = _post(writer, start_time="2026-03-09T08:30:00Z", end_time="2026-03-09T09:00:00Z",
                recurrence=["RRULE:FREQ=DAILY;COUNT=30"])
    before = set(EventOccurrence.objects.filter(series_id=sid).values_list("pk", flat=True))

    assert writer.patch(f"/api/v1/events/{sid}", {"title": "Renamed"}, format="json").status_code == 200
    assert set(EventOccurrence.objects.filter(series_id=sid).values_list("pk", flat=True)) == before

    event = Event.objects.get(pk=sid)
    event.start_time = event.start_time.replace(hour=10)
    event.end_time = event.end_time.replace(hour=11)
    event.save(update_fields=["start_time", "end_time"])
    event.start_time, event.end_time = event.start_time.replace(hour=8), event.end_time.replace(hour=9)
    event.save()  # back to the first times after a partial save: written again, not skipped
    assert assert_stored_as_computed()
    assert writer.patch(f"/api/v1/events/{sid}", {"start_time": "2026-03-09T12:00:00Z",
                                                  "end_time": "2026-03-09T12:30:00Z"}, format="json").status_code == 200
    assert not before & set(EventOccurrence.objects.filter(series_id=sid).values_list("pk", flat=True))
    assert_stored_as_computed()
