from __future__ import annotations

from datetime import UTC, date, datetime

from apps.commands.models import Command
from apps.events.models import Event
from tests.events.stored import assert_stored_as_computed

HEAD = "BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//feed//EN\n"
TAIL = "END:VCALENDAR\n"


def _entry(uid: str, summary: str, start: str, end: str, extra: str = "") -> str:
    return (f"BEGIN:VEVENT\nUID:{uid}\nDTSTAMP:20260301T000000Z\nDTSTART{start}\nDTEND{end}\n"
            f"SUMMARY:{summary}\n{extra}END:VEVENT\n")


def _feed(*entries: str) -> str:
    return (HEAD + "".join(entries) + TAIL).replace("\n", "\r\n")


GOOD_FRIDAY = _entry("gf@feed", "Good Friday", ";VALUE=DATE:20260403", ";VALUE=DATE:20260404")
EASTER_MONDAY = _entry("em@feed", "Easter Monday", ";VALUE=DATE:20260406", ";VALUE=DATE:20260407")
SHIFT = _entry("shift@feed", "Early shift", ";TZID=Europe/Berlin:20260309T060000",
               ";TZID=Europe/Berlin:20260309T140000", "RRULE:FREQ=WEEKLY;BYDAY=MO,TU\n")
SHIFT_MOVED = _entry("shift@feed", "Early shift (swapped)", ";TZID=Europe/Berlin:20260324T080000",
                     ";TZID=Europe/Berlin:20260324T160000", "RECURRENCE-ID;TZID=Europe/Berlin:20260324T060000\n")


def test_first_fetch_stores_the_feed_then_a_304_changes_nothing(ics_feed, feed_calendar, feed_sync):
    ics_feed.body = _feed(GOOD_FRIDAY, EASTER_MONDAY, SHIFT, SHIFT_MOVED)

    first = feed_sync()

    assert (first.status, first.full, first.fetched, first.created) == ("succeeded", True, 3, 3)
    friday = Event.objects.get(external_id="gf@feed")
    assert friday.all_day and (friday.start_date, friday.end_date) == (date(2026, 4, 3), date(2026, 4, 4))
    shift = Event.objects.get(external_id="shift@feed")  # a series with an override is one entry
    assert shift.recurrence == ["RRULE:FREQ=WEEKLY;BYDAY=MO,TU"] and shift.title == "Early shift"
    assert list(shift.exceptions.values_list("original_start", "start_time", "overrides")) == [
        (datetime(2026, 3, 24, 5, tzinfo=UTC), datetime(2026, 3, 24, 7, tzinfo=UTC),
         {"title": "Early shift (swapped)"})]

    assert_stored_as_computed()
    second = feed_sync()

    assert ics_feed.requests[-1][2] == 304
    assert ics_feed.requests[-1][1]["If-None-Match"] == ics_feed.etag
    assert ics_feed.requests[-1][1]["If-Modified-Since"] == ics_feed.last_modified
    assert (second.status, second.fetched, second.created, second.updated, second.deleted) == ("succeeded", 0, 0,
                                                                                                0, 0)


def test_an_entry_removed_from_the_feed_is_removed_locally(ics_feed, feed_calendar, feed_sync):
    ics_feed.body = _feed(GOOD_FRIDAY, EASTER_MONDAY, SHIFT)
    feed_sync()
    ics_feed.body = _feed(GOOD_FRIDAY, SHIFT)

    run = feed_sync()

    assert (run.status, run.deleted, run.created, run.updated) == ("succeeded", 1, 0, 0)
    assert sorted(Event.objects.values_list("external_id", flat=True)) == ["gf@feed", "shift@feed"]


def test_local_edits_of_feed_entries_are_refused_with_409(ics_feed, feed_calendar, feed_sync, api):
    ics_feed.body = _feed(GOOD_FRIDAY)
    feed_sync()
    event = Event.objects.get()
    client = api(scopes=["events.write", "events.read"])
    detail = ("Calendar 'holidays' is a read-only iCalendar subscription: its entries change only in the feed "
              "they come from.")

    patched = client.patch(f"/api/v1/events/{event.pk}", {"title": "Mine now"}, format="json")
    deleted = client.delete(f"/api/v1/events/{event.pk}")
    created = client.post("/api/v1/events", {"calendar_id": "holidays", "title": "Extra day",
                                             "start_time": "2026-03-25T10:00:00Z",
                                             "end_time": "2026-03-25T11:00:00Z"}, format="json")

    assert (patched.status_code, deleted.status_code, created.status_code) == (409, 409, 409)
    assert patched.json()["detail"] == deleted.json()["detail"] == created.json()["detail"] == detail
    assert list(Event.objects.values_list("title", flat=True)) == ["Good Friday"]



def test_one_occurrence_of_a_feed_series_cannot_be_changed_either(ics_feed, feed_calendar, feed_sync, api):
    ics_feed.body = _feed(SHIFT)
    feed_sync()
    shift = Event.objects.get()
    client = api(scopes=["events.write", "events.read"])
    instance = f"{shift.pk}_20260310T050000Z"  # Tuesday 10 March, 06:00 Berlin
    assert client.get(f"/api/v1/events/{instance}").status_code == 200

    patched = client.patch(f"/api/v1/events/{instance}", {"title": "Mine now"}, format="json")
    deleted = client.delete(f"/api/v1/events/{instance}")

    assert (patched.status_code, deleted.status_code) == (409, 409)
    assert not shift.exceptions.exists()


def test_an_action_entry_of_a_feed_is_consumed_once(ics_feed, feed_calendar, feed_sync):
    action = _entry("act@feed", "ACTION: TRIGGER_WORKFLOW N8N workflow=daily-report", ":20260323T100000Z",
                    ":20260323T110000Z")
    ics_feed.body = _feed(GOOD_FRIDAY, action)
    assert feed_sync().consumed == 1
    ics_feed.body = _feed(GOOD_FRIDAY, action, EASTER_MONDAY)  # the feed changes, the action is still there

    run = feed_sync()

    assert (run.consumed, run.created, Command.objects.count()) == (0, 1, 1)


def test_429_and_503_are_retried_after_the_servers_retry_after(ics_feed, feed_calendar, feed_sync,
                                                               http_backoff_sleeps):
    ics_feed.body = _feed(GOOD_FRIDAY)
    ics_feed.fail_next(429, retry_after="7")
    ics_feed.fail_next(503)

    run = feed_sync()

    assert run.status == "succeeded" and run.created == 1
    assert http_backoff_sleeps == [7.0, 2.0]  # the server's wish, then exponential backoff


def test_a_feed_that_keeps_failing_fails_the_run_with_the_reason(ics_feed, feed_calendar, feed_sync, client):
    ics_feed.fail_next(500, times=4)

    run = feed_sync()

    assert run.status == "failed" and run.errors[-1]["detail"] == "feed server answered 500"
    row = next(c for c in client.get("/api/v1/sync/health").json()["calendars"] if c["calendar_id"] == "holidays")
    assert row["source"] == "ics" and row["last_error"] == "feed server answered 500"


def test_a_feed_password_is_stored_encrypted_and_never_returned(ics_feed, db, admin_api):
    ics_feed.auth = "bob:s3cret-feed"
    ics_feed.body = _feed(GOOD_FRIDAY)

    response = admin_api.post("/api/v1/calendars", {"id": "shifts", "name": "Shifts", "source": "ics",
                                                    "url": ics_feed.url, "username": "bob",
                                                    "password": "s3cret-feed"}, format="json")

    assert response.status_code == 201, response.data
    assert "password" not in response.json() and response.json()["username"] == "bob"
    from apps.events.models import Calendar
    from apps.sync.services import sync_now

    stored = Calendar.objects.get(pk="shifts")
    assert "s3cret-feed" not in stored.password_encrypted and stored.get_password() == "s3cret-feed"
    assert sync_now(stored).created == 1


def test_a_caldav_or_feed_calendar_without_url_is_refused(db, admin_api):
    response = admin_api.post("/api/v1/calendars", {"id": "x", "name": "X", "source": "caldav"}, format="json")
    assert response.status_code == 400
    assert response.json()["url"] == ["A calendar of source 'caldav' needs the CalDAV calendar's URL."]


def test_the_webhook_address_guard_applies_to_feed_urls(ics_feed, feed_calendar, feed_sync, settings):
    integrations = {**settings.CHRONOS["integrations"]}
    integrations["webhooks"] = {**integrations["webhooks"], "allow_private_hosts": False}
    settings.CHRONOS = {**settings.CHRONOS, "integrations": integrations}
    ics_feed.body = _feed(GOOD_FRIDAY)

    run = feed_sync()

    assert run.status == "failed" and not ics_feed.requests
    assert run.errors[-1]["detail"] == ("address refused: 127.0.0.1 is a loopback address "
                                        "(allow_private_hosts is false)")


def test_the_admin_shows_feed_entries_read_only(ics_feed, feed_calendar, feed_sync, client):
    from django.contrib.auth import get_user_model

    client.force_login(get_user_model().objects.create_superuser("boss", "b@example.com", "a-long-password-1"))
    ics_feed.body = _feed(GOOD_FRIDAY)
    feed_sync()
    event = Event.objects.get()

    page = client.get(f"/admin/events/event/{event.pk}/change/")
    posted = client.post(f"/admin/events/event/{event.pk}/change/", {"title": "Mine now"})
    deleted = client.post(f"/admin/events/event/{event.pk}/delete/", {"post": "yes"})

    assert page.status_code == 200 and b'name="title"' not in page.content  # a view, not a form
    assert (posted.status_code, deleted.status_code) == (403, 403)
    assert Event.objects.get().title == "Good Friday"


def test_a_redirect_is_followed_but_never_to_a_refused_address(ics_feed, feed_calendar, feed_sync):
    ics_feed.body = _feed(GOOD_FRIDAY)
    ics_feed.redirect_to = "/moved.ics"
    assert feed_sync().created == 1  # same server, allowed address: followed

    ics_feed.redirect_to = "http://169.254.169.254/latest/meta-data/"
    run = feed_sync(full=True)

    assert run.status == "failed"
    assert run.errors[-1]["detail"] == "address refused: 169.254.169.254 is in the blocked network 169.254.0.0/16"


def test_a_feed_name_that_rebinds_after_the_check_never_reaches_the_second_address(
        ics_feed, feed_calendar, feed_sync, settings, rebinding_dns):
    from tests.fakes.ics_feed import IcsFeedServer

    integrations = {**settings.CHRONOS["integrations"]}
    integrations["webhooks"] = {**integrations["webhooks"], "blocked_networks": ["127.0.0.2/32"]}
    settings.CHRONOS = {**settings.CHRONOS, "integrations": integrations}
    with IcsFeedServer(host="127.0.0.2", port=ics_feed.port) as internal:
        internal.body = _feed(GOOD_FRIDAY)
        feed_calendar.url = f"http://rebind.test:{ics_feed.port}/calendar.ics"
        feed_calendar.save(update_fields=["url"])

        run = feed_sync()

        assert internal.requests == []  # the connection goes to a checked address or nowhere
    assert run.status == "failed" and not Event.objects.exists()
    assert run.errors[-1]["detail"] == ("address refused: rebind.test resolves to 127.0.0.2 is in the blocked "
                                        "network 127.0.0.2/32")


def test_a_feed_name_that_stops_resolving_after_the_check_is_a_retried_unreachable_feed(
        ics_feed, feed_calendar, feed_sync, monkeypatch, http_backoff_sleeps):
    import socket

    real = socket.getaddrinfo
    asked: list[str] = []

    def fake(host, port, *args, **kwargs):
        if host == "gone.test":
            asked.append(host)
            if len(asked) > 1:
                raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port or 0))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", fake)
    feed_calendar.url = f"http://gone.test:{ics_feed.port}/calendar.ics"
    feed_calendar.save(update_fields=["url"])

    run = feed_sync()

    assert run.status == "failed" and not ics_feed.requests
    assert run.errors[-1]["detail"].startswith("feed unreachable: gone.test does not resolve")
    assert http_backoff_sleeps  # tried again before giving up
