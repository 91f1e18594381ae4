"""The admin: saving a timed entry says when it fires; the list of timed actions links entry and command."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model

from apps.commands.models import ActionFiring, Command
from apps.commands.timed import fire_due
from apps.events.models import Calendar
from tests.actions.conftest import SUNDAY_2AM


@pytest.fixture
def browser(client, db):
    user = get_user_model().objects.create_superuser("root", "root@example.com", "pw")
    client.force_login(user)
    return client


def test_saving_a_timed_entry_in_the_admin_says_when_it_fires(clock, timed, browser):
    timed("at_start", -10)
    Calendar.objects.create(id="home", name="Home", timezone="Europe/Berlin")

    response = browser.post("/admin/events/event/add/", {
        "calendar": "home", "title": "ACTION: BACKUP N8N keep=3", "start_time_0": "2027-01-03",
        "start_time_1": "03:00:00", "end_time_0": "2027-01-03", "end_time_1": "04:00:00",
        "timezone": "Europe/Berlin", "priority": "MEDIUM", "event_type": "meeting", "status": "scheduled", "transparency": "opaque",
        "tags": "", "attendees": "", "description": "", "location": "", "external_id": "", "etag": "",
        "sub_tasks-TOTAL_FORMS": "0", "sub_tasks-INITIAL_FORMS": "0",
        "exceptions-TOTAL_FORMS": "0", "exceptions-INITIAL_FORMS": "0",
    }, follow=True)

    assert response.status_code == 200
    messages = [str(m) for m in response.context["messages"]]
    assert "Timed action BACKUP N8N: scheduled, fires at Sun 03 Jan 2027 02:50 Europe/Berlin." in messages
    # Times are typed in the event's zone: 03:00 in Berlin is 02:00 UTC.
    assert ActionFiring.objects.get().fire_at == SUNDAY_2AM - timedelta(minutes=10)


def test_the_list_shows_upcoming_and_links_each_fired_action_to_its_command_and_back(clock, timed, create_entry,
                                                                                   browser):
    timed("at_start")
    create_entry("ACTION: BACKUP N8N keep=3", SUNDAY_2AM, SUNDAY_2AM + timedelta(hours=1))
    later = SUNDAY_2AM + timedelta(days=7)
    create_entry("ACTION: BACKUP N8N keep=4", later, later + timedelta(hours=1))

    upcoming = browser.get("/admin/commands/actionfiring/").content.decode()
    assert "BACKUP N8N keep=3 (at_start)" in upcoming and "BACKUP N8N keep=4 (at_start)" in upcoming

    clock.move_to(SUNDAY_2AM)
    fire_due()
    command = Command.objects.get()
    firing = ActionFiring.objects.get(state="fired")
    still_upcoming = browser.get("/admin/commands/actionfiring/").content.decode()
    assert "keep=4" in still_upcoming and "keep=3" not in still_upcoming
    past = browser.get("/admin/commands/actionfiring/?when=past").content.decode()
    assert f'href="/admin/commands/command/{command.pk}/change/"' in past
    detail = browser.get(f"/admin/commands/command/{command.pk}/change/").content.decode()
    assert f'href="/admin/commands/actionfiring/{firing.pk}/change/"' in detail
