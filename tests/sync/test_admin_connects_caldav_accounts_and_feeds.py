"""The admin pages a person uses to connect a CalDAV account or a feed, against real servers."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from apps.events.models import Calendar
from tests.sync.radicale import PASSWORD, USER

CONNECT = "/admin/sync/calendarconnection/connect/"


@pytest.fixture
def boss(client, db):
    user = get_user_model().objects.create_superuser("boss", "boss@example.com", "a-long-password-1")
    client.force_login(user)
    return client


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context and "messages" in response.context \
        else []


def test_a_wrong_password_is_named_as_such_and_nothing_is_added(boss, radicale):
    response = boss.post(CONNECT, {"kind": "caldav", "url": radicale.base + "/", "username": USER,
                                   "password": "wrong", "timezone": "Europe/Berlin", "test": "1"})

    assert response.status_code == 200
    assert response.context["outcome"] == (False, "CalDAV server refused the user name or password (401); check "
                                                  "the account and use an app password where the provider "
                                                  "requires one")
    assert b"refused the user name or password" in response.content and b'name="add"' not in response.content
    assert not Calendar.objects.exists()


def test_an_unreachable_server_says_so(boss, db):
    response = boss.post(CONNECT, {"kind": "caldav", "url": "http://127.0.0.1:9/", "username": USER,
                                   "password": "x", "timezone": "UTC", "test": "1"})

    ok, message = response.context["outcome"]
    assert not ok and message.startswith("The server cannot be reached (connection refused or timed out).")


def test_a_caldav_account_lists_its_calendars_and_the_ticked_ones_are_added(boss, radicale):
    team_url = radicale.make_calendar("team-cal")
    form = {"kind": "caldav", "url": radicale.base + "/", "username": USER, "password": PASSWORD,
            "timezone": "Europe/Berlin"}

    tested = boss.post(CONNECT, {**form, "test": "1"})

    assert tested.context["outcome"][0] is True and tested.context["outcome"][1].startswith("Connected.")
    assert team_url in [c.url for c in tested.context["found"]]
    assert b'name="add"' in tested.content

    added = boss.post(CONNECT, {**form, "password": "", "add": "1", "calendars": [team_url]})

    assert added.status_code == 302 and added["Location"] == "/admin/sync/calendarconnection/"
    calendar = Calendar.objects.get(url=team_url)
    assert (calendar.id, calendar.source, calendar.username, calendar.timezone) == ("alice-team-cal", "caldav", USER,
                                                                                    "Europe/Berlin")
    assert PASSWORD not in calendar.password_encrypted and calendar.get_password() == PASSWORD  # kept from step 1
    listing = boss.get("/admin/sync/calendarconnection/")
    assert listing.status_code == 200 and b"alice-team-cal" in listing.content


def test_a_feed_is_tested_and_subscribed(boss, ics_feed):
    ics_feed.body = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VEVENT\r\nUID:a\r\nDTSTAMP:20260301T000000Z"
                     "\r\nDTSTART;VALUE=DATE:20260403\r\nSUMMARY:Good Friday\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
    form = {"kind": "ics", "url": ics_feed.url, "username": "", "password": "", "timezone": "Europe/Berlin",
            "name": "Public holidays"}

    tested = boss.post(CONNECT, {**form, "test": "1"})
    assert tested.context["outcome"] == (True, "Feed reached: 1 entry (0 recurring).")

    added = boss.post(CONNECT, {**form, "add": "1"})
    assert added.status_code == 302
    calendar = Calendar.objects.get(source="ics")
    assert (calendar.id, calendar.name, calendar.url) == ("public-holidays", "Public holidays", ics_feed.url)


def test_a_page_that_is_no_feed_is_named_as_such(boss, ics_feed):
    ics_feed.body = "<html>hello</html>"
    response = boss.post(CONNECT, {"kind": "ics", "url": ics_feed.url, "timezone": "UTC", "test": "1"})
    ok, message = response.context["outcome"]
    assert not ok and message.startswith("This address does not serve an iCalendar feed.")


def test_test_connection_on_a_saved_account_and_a_password_that_stays_write_only(boss, caldav_calendar, radicale):
    page = boss.get(f"/admin/sync/calendarconnection/{caldav_calendar.pk}/change/")
    assert page.status_code == 200 and b"Test connection" in page.content
    assert PASSWORD.encode() not in page.content and caldav_calendar.password_encrypted.encode() not in page.content

    tested = boss.post(f"/admin/sync/calendarconnection/{caldav_calendar.pk}/test/", follow=True)
    assert _messages(tested) == ["Connected: the calendar holds 0 entries"]

    saved = boss.post(f"/admin/sync/calendarconnection/{caldav_calendar.pk}/change/", {
        "name": "Team (renamed)", "source": "caldav", "url": caldav_calendar.url, "username": USER,
        "password": "", "enabled": "on", "timezone": "Europe/Berlin", "sync_past_days": "30",
        "sync_future_days": "90", "default_mode": "free"})
    assert saved.status_code == 302
    caldav_calendar.refresh_from_db()
    assert caldav_calendar.name == "Team (renamed)" and caldav_calendar.get_password() == PASSWORD

    caldav_calendar.set_password("stale")
    caldav_calendar.save()
    failed = boss.post(f"/admin/sync/calendarconnection/{caldav_calendar.pk}/test/", follow=True)
    assert _messages(failed)[-1:] == ["CalDAV server refused the user name or password (401); check the account and use "
                                      "an app password where the provider requires one"]
