"""The admin: pages render, and changes made there are audited with the signed-in user."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from apps.audit.models import AuditEntry
from apps.events.models import Calendar, Event


@pytest.fixture
def staff(client, db):
    user = get_user_model().objects.create_superuser("boss", "boss@example.com", "a-long-password-1")
    client.force_login(user)
    return client


def _event_form(event: Event, **changes) -> dict:
    data = {
        "calendar": event.calendar_id, "external_id": "", "etag": "", "title": event.title, "description": "",
        "location": "", "start_time_0": "2025-03-10", "start_time_1": "09:00:00", "end_time_0": "2025-03-10",
        "end_time_1": "10:00:00", "start_date": "", "end_date": "", "timezone": "UTC", "priority": "MEDIUM",
        "event_type": "meeting", "status": "scheduled", "transparency": "opaque", "tags": "", "attendees": "", "mode": "",
        "created_at_0": "2025-03-01", "created_at_1": "00:00:00",
        "sub_tasks-TOTAL_FORMS": "0", "sub_tasks-INITIAL_FORMS": "0", "sub_tasks-MIN_NUM_FORMS": "0",
        "sub_tasks-MAX_NUM_FORMS": "1000",
        "exceptions-TOTAL_FORMS": "0", "exceptions-INITIAL_FORMS": "0", "exceptions-MIN_NUM_FORMS": "0",
        "exceptions-MAX_NUM_FORMS": "1000",
    }
    data.update(changes)
    return data


def test_admin_pages_render(staff, make_event):
    event = make_event("2025-03-10T09:00")
    for url in ("/admin/events/event/", f"/admin/events/event/{event.id}/change/", "/admin/events/calendar/",
                "/admin/events/eventlink/", "/admin/events/note/", "/admin/events/urlpayload/",
                "/admin/events/event/?q=Event", "/admin/events/calendar/work/change/"):
        assert staff.get(url).status_code == 200, url


def test_an_admin_edit_and_delete_are_audited_with_the_user(staff, make_event):
    event = make_event("2025-03-10T09:00", title="Before")
    response = staff.post(f"/admin/events/event/{event.id}/change/", _event_form(event, title="After"))
    assert response.status_code == 302, response.content[:2000]
    event.refresh_from_db()
    assert event.title == "After"
    entry = AuditEntry.objects.filter(entity="event", entity_id=str(event.id), action="update").get()
    assert entry.changes["title"] == ["Before", "After"]
    assert entry.actor_name == "boss" and entry.scope == "admin-ui"
    assert staff.post(f"/admin/events/event/{event.id}/delete/", {"post": "yes"}).status_code == 302
    assert AuditEntry.objects.filter(entity="event", entity_id=str(event.id), action="delete").exists()


def test_an_admin_create_of_a_calendar_is_audited(staff, db):
    response = staff.post("/admin/events/calendar/add/", {
        "id": "team", "name": "Team", "source": "local", "external_id": "", "enabled": "on", "timezone": "UTC",
        "default_mode": "free", "sync_past_days": "30", "sync_future_days": "365",
        "working_hours": '{"mon": ["09:00", "17:00"]}', "buffer_minutes": "0", "slot_minutes": "15",
        "autocomplete_checklists": "on",
    })
    assert response.status_code == 302
    assert Calendar.objects.filter(pk="team").exists()
    assert AuditEntry.objects.filter(entity="calendar", entity_id="team", action="create", actor_name="boss").exists()


def test_the_admin_refuses_a_bad_time_zone(staff, db):
    response = staff.post("/admin/events/calendar/add/", {
        "id": "bad", "name": "Bad", "source": "local", "timezone": "Mars/Base", "default_mode": "free",
        "sync_past_days": "30", "sync_future_days": "365", "working_hours": "{}", "buffer_minutes": "0",
        "slot_minutes": "15",
    })
    assert response.status_code == 200 and not Calendar.objects.filter(pk="bad").exists()


def test_the_admin_edits_a_rule_and_shows_it_in_words_with_the_next_occurrences(staff, make_event, settings):
    event = make_event("2025-03-10T09:00")
    response = staff.post(f"/admin/events/event/{event.id}/change/", _event_form(
        event, timezone="Europe/Berlin", start_time_0="2030-03-11", start_time_1="10:00:00", end_time_0="2030-03-11",
        end_time_1="11:00:00",
        recurrence="RRULE:FREQ=WEEKLY;BYDAY=MO,WE;UNTIL=20300630T000000Z\nEXDATE;TZID=Europe/Berlin:20300313T100000"))
    assert response.status_code == 302, response.content.decode()[:3000]
    event.refresh_from_db()
    assert event.recurrence == ["RRULE:FREQ=WEEKLY;BYDAY=MO,WE;UNTIL=20300630T000000Z",
                                "EXDATE;TZID=Europe/Berlin:20300313T100000"]
    page = staff.get(f"/admin/events/event/{event.id}/change/").content.decode()
    assert "every Monday and Wednesday until 30 June 2030, except 1 date" in page
    # Typed as 10:00 Berlin time (CET); the 13th is skipped.
    assert ("<li>Mon 11 Mar 2030, 10:00–11:00</li><li>Mon 18 Mar 2030, 10:00–11:00</li>"
            "<li>Wed 20 Mar 2030, 10:00–11:00</li>") in page
    assert "<li>Mon 01 Apr 2030, 10:00–11:00</li>" in page  # summer time: still 10:00 in Berlin
    assert "Times in Europe/Berlin." in page
    listing = staff.get("/admin/events/event/?repeats=yes").content.decode()
    assert 'title="every Monday and Wednesday until 30 June 2030, except 1 date"' in listing


def test_the_admin_refuses_a_bad_rule_with_the_reason(staff, make_event):
    event = make_event("2025-03-10T09:00")
    response = staff.post(f"/admin/events/event/{event.id}/change/", _event_form(event, recurrence="RRULE:FREQ=OFTEN"))
    assert response.status_code == 200
    assert "invalid &#x27;FREQ&#x27;: OFTEN" in response.content.decode()
    event.refresh_from_db()
    assert event.recurrence == []


def calendar_form(**changes) -> dict:
    data = {"id": "team", "name": "Team", "source": "local", "external_id": "", "enabled": "on",
            "timezone": "Europe/Berlin", "default_mode": "free", "sync_past_days": "30", "sync_future_days": "365",
            "buffer_minutes": "0", "slot_minutes": "15", "autocomplete_checklists": "on",
            "hours_mon": "09:00-12:00, 13:00-17:00", "hours_tue": "08:30-16:00"}
    data.update(changes)
    return data


def test_working_hours_are_a_weekday_grid(staff, db):
    response = staff.post("/admin/events/calendar/add/", calendar_form())
    assert response.status_code == 302
    assert Calendar.objects.get(pk="team").working_hours == {"mon": [["09:00", "12:00"], ["13:00", "17:00"]],
                                                              "tue": ["08:30", "16:00"]}
    page = staff.get("/admin/events/calendar/team/change/").content.decode()
    assert 'name="hours_mon" value="09:00-12:00, 13:00-17:00"' in page
    assert 'name="hours_wed" placeholder="day off"' in page or 'placeholder="day off"' in page


def test_a_broken_working_hours_row_names_the_day_and_the_fix(staff, db):
    response = staff.post("/admin/events/calendar/add/", calendar_form(hours_wed="9 to 5"))
    assert response.status_code == 200
    assert "Wednesday: write ranges like 09:00-12:00, 13:00-17:00." in response.content.decode()
    assert not Calendar.objects.filter(pk="team").exists()
