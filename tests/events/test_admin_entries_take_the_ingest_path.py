"""A new entry saved in the admin takes the same path as one sent to the API, in the calendar's zone."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from django.contrib.auth import get_user_model

from apps.commands.models import Command
from apps.events.models import Calendar, Event
from tests.whitelists.factories import allow

pytestmark = pytest.mark.django_db
ADD = "/admin/events/event/add/"


@pytest.fixture
def staff(client):
    client.force_login(get_user_model().objects.create_superuser("boss", "boss@example.com", "a-long-password-1"))
    return client


@pytest.fixture
def berlin(db):
    return Calendar.objects.create(id="work", name="Work", timezone="Europe/Berlin")


def form(**changes) -> dict:
    data = {
        "title": "Stand-up", "calendar": "work", "timezone": "", "start_time_0": "2026-12-07",
        "start_time_1": "09:30", "end_time_0": "2026-12-07", "end_time_1": "09:45", "start_date": "", "transparency": "opaque",
        "last_day": "", "description": "", "location": "", "priority": "MEDIUM", "event_type": "meeting",
        "status": "scheduled", "mode": "", "tags": "", "attendees": "",
        "sub_tasks-TOTAL_FORMS": "0", "sub_tasks-INITIAL_FORMS": "0", "sub_tasks-MIN_NUM_FORMS": "0",
        "sub_tasks-MAX_NUM_FORMS": "1000",
    }
    data.update(changes)
    return data


def test_an_action_entry_becomes_a_command_and_the_page_says_so(staff, berlin):
    allow("N8N", "BACKUP", {"keep": "int"}, [])
    response = staff.post(ADD, form(title="ACTION: BACKUP N8N keep=3"), follow=True)
    command = Command.objects.get()
    assert (command.command, command.target_system, command.parameters) == ("BACKUP", "N8N", {"keep": 3})
    assert not Event.objects.exists()
    assert response.redirect_chain[-1][0] == f"/admin/commands/command/{command.pk}/change/"
    assert f"it became <a href=\"/admin/commands/command/{command.pk}/change/\">command #{command.pk} " \
           f"(BACKUP → N8N)</a>" in response.content.decode()


def test_a_refused_action_shows_the_reason_keeps_the_form_and_stores_nothing(staff, berlin):
    response = staff.post(ADD, form(title="ACTION: WIPE N8N"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Refused by command_handler:" in page and "WIPE" in page
    assert 'value="ACTION: WIPE N8N"' in page
    assert not Command.objects.exists() and not Event.objects.exists()


def test_a_note_entry_becomes_a_note(staff, berlin):
    response = staff.post(ADD, form(title="NOTE: call Anna"))
    assert response.status_code == 302 and response["Location"].startswith("/admin/events/note/")
    assert not Event.objects.exists()


def test_a_plain_entry_is_stored_in_the_calendars_zone_with_tags_and_attendees(staff, berlin):
    response = staff.post(ADD, form(tags="team, daily", attendees="a@example.com\nb@example.com"))
    assert response.status_code == 302
    event = Event.objects.get()
    assert event.start_time == datetime(2026, 12, 7, 8, 30, tzinfo=UTC)
    assert event.timezone == "Europe/Berlin"
    assert (event.tags, event.attendees) == (["team", "daily"], ["a@example.com", "b@example.com"])


def test_the_list_and_the_form_show_local_time_with_the_zone(staff, berlin):
    staff.post(ADD, form())
    event = Event.objects.get()
    listing = staff.get("/admin/events/event/").content.decode()
    assert "Mon 07 Dec 2026 09:30 Europe/Berlin" in listing
    page = staff.get(f"/admin/events/event/{event.pk}/change/").content.decode()
    assert 'name="start_time_1" value="09:30:00"' in page
    assert "Start (Europe/Berlin)" in page


def test_an_all_day_entry_is_typed_as_days_and_listed_as_dates(staff, berlin):
    response = staff.post(ADD, form(all_day="on", start_date="2026-12-04", last_day="2026-12-04",
                                    start_time_0="", start_time_1="", end_time_0="", end_time_1=""))
    assert response.status_code == 302, response.content.decode()[:3000]
    event = Event.objects.get()
    assert (event.start_date, event.end_date) == (date(2026, 12, 4), date(2026, 12, 5))
    assert event.start_time == datetime(2026, 12, 3, 23, 0, tzinfo=UTC)
    assert "Fri 04 Dec 2026 (all day)" in staff.get("/admin/events/event/").content.decode()
    page = staff.get(f"/admin/events/event/{event.pk}/change/").content.decode()
    assert 'name="last_day" value="2026-12-04"' in page


def test_an_end_before_the_start_names_the_field(staff, berlin):
    response = staff.post(ADD, form(end_time_1="09:00"))
    assert response.status_code == 200
    assert "must not be before the start time." in response.content.decode()
    assert not Event.objects.exists()
