from __future__ import annotations

from datetime import UTC, datetime, timedelta

from apps.audit.models import AuditEntry
from apps.events.models import Event
from apps.sync.models import EventSyncMeta, PendingPush
from apps.sync.services import push_now
from tests.sync.conftest import NOW
from tests.sync.radicale import vevent


def _iso(value):
    return value.isoformat().replace("+00:00", "Z")


def test_an_event_created_through_the_api_is_put_on_the_caldav_server(radicale, caldav_calendar, api,
                                                                     django_capture_on_commit_callbacks):
    client = api(scopes=["events.write", "events.read"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/api/v1/events", {
            "calendar_id": "team", "title": "Budget review", "start_time": _iso(NOW + timedelta(days=1)),
            "end_time": _iso(NOW + timedelta(days=1, hours=1)), "location": "Room 3", "tags": ["money"]},
            format="json")
    assert response.status_code == 201, response.data

    event = Event.objects.get(pk=response.data["id"])
    assert event.external_id.endswith(".ics")
    status, etag, body = radicale.get(caldav_calendar.url, event.external_id)
    assert status == 200 and "SUMMARY:Budget review" in body and "LOCATION:Room 3" in body
    assert "CATEGORIES:money" in body and "TZID=Europe/Berlin" in body
    assert event.etag == etag == EventSyncMeta.objects.get(external_id=event.external_id).etag
    assert not PendingPush.objects.exists()


def test_local_edits_and_deletes_are_written_with_if_match(radicale, caldav_calendar, caldav_sync, api,
                                                          django_capture_on_commit_callbacks):
    url = caldav_calendar.url
    radicale.put(url, "review.ics", vevent("review", "Review", ":20260323T100000Z", ":20260323T110000Z",
                                           extra="BEGIN:VALARM\nACTION:DISPLAY\nTRIGGER:-PT10M\nEND:VALARM\n"))
    caldav_sync()
    event = Event.objects.get(external_id="review.ics")
    client = api(scopes=["events.write", "events.read"])

    with django_capture_on_commit_callbacks(execute=True):
        response = client.patch(f"/api/v1/events/{event.pk}", {"title": "Review (moved)",
                                                                "start_time": "2026-03-23T12:00:00Z",
                                                                "end_time": "2026-03-23T13:00:00Z"}, format="json")
    assert response.status_code == 200, response.data
    status, etag, body = radicale.get(url, "review.ics")
    assert "SUMMARY:Review (moved)" in body and "BEGIN:VALARM" in body  # what Chronos does not model stays
    assert "UID:review" in body and not PendingPush.objects.exists()
    assert Event.objects.get(pk=event.pk).etag == etag

    again = caldav_sync()  # our own change comes back: nothing is re-applied
    assert (again.created, again.updated, again.deleted, again.conflicts) == (0, 0, 0, 0)

    with django_capture_on_commit_callbacks(execute=True):
        assert client.delete(f"/api/v1/events/{event.pk}").status_code == 204
    assert radicale.get(url, "review.ics")[0] == 404
    assert not PendingPush.objects.exists()


def test_a_concurrent_remote_edit_parks_the_local_change_as_a_conflict(radicale, caldav_calendar, caldav_sync):
    url = caldav_calendar.url
    radicale.put(url, "shared.ics", vevent("shared", "Shared", ":20260323T100000Z", ":20260323T110000Z"))
    caldav_sync()
    event = Event.objects.get(external_id="shared.ics")
    event.title = "Local title"
    event.save()  # queued; the on-commit push does not run inside the test transaction
    radicale.put(url, "shared.ics", vevent("shared", "Remote title", ":20260323T100000Z", ":20260323T110000Z"))

    counts = push_now(caldav_calendar)  # If-Match carries the version the local edit is based on

    assert counts.conflicts == 1 and counts.pushed == 0
    assert "SUMMARY:Remote title" in radicale.get(url, "shared.ics")[2]  # not overwritten
    event.refresh_from_db()
    assert event.title == "Local title"
    pending = PendingPush.objects.get()
    assert pending.status == "conflict" and pending.remote_snapshot["title"] == "Remote title"
    assert AuditEntry.objects.filter(action="sync.conflict", entity_id=str(event.pk)).count() == 1

    run = caldav_sync()  # the pull leaves the parked entry alone
    assert run.conflicts == 1 and Event.objects.get(pk=event.pk).title == "Local title"

    PendingPush.objects.update(status="pending", force=True)  # "keep the local version" in the admin
    assert push_now(caldav_calendar).pushed == 1
    assert "SUMMARY:Local title" in radicale.get(url, "shared.ics")[2]


def test_a_remote_edit_seen_by_the_pull_while_a_local_edit_waits_is_a_conflict(radicale, caldav_calendar,
                                                                               caldav_sync):
    url = caldav_calendar.url
    radicale.put(url, "shared.ics", vevent("shared", "Shared", ":20260323T100000Z", ":20260323T110000Z"))
    caldav_sync()
    event = Event.objects.get(external_id="shared.ics")
    event.title = "Local title"
    event.save()
    radicale.put(url, "shared.ics", vevent("shared", "Remote title", ":20260323T100000Z", ":20260323T110000Z"))

    run = caldav_sync()

    assert run.conflicts == 1 and run.pushed == 0
    assert PendingPush.objects.get().status == "conflict"
    assert Event.objects.get(pk=event.pk).title == "Local title"
    assert Event.objects.get(pk=event.pk).start_time == datetime(2026, 3, 23, 10, tzinfo=UTC)


def test_an_event_created_with_its_own_external_id_keeps_it_as_the_resource_name(radicale, caldav_calendar,
                                                                                caldav_sync, api,
                                                                                django_capture_on_commit_callbacks):
    client = api(scopes=["events.write", "events.read"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/api/v1/events", {
            "calendar_id": "team", "title": "From n8n", "external_id": "n8n-42",
            "start_time": _iso(NOW + timedelta(days=2)), "end_time": _iso(NOW + timedelta(days=2, hours=1))},
            format="json")
    assert response.status_code == 201, response.data

    status, _, body = radicale.get(caldav_calendar.url, "n8n-42")
    assert status == 200 and "UID:n8n-42" in body
    run = caldav_sync()  # its own insert comes back under the same id: no duplicate
    assert (run.created, Event.objects.filter(calendar=caldav_calendar).count()) == (0, 1)


def test_the_scheduled_sync_covers_caldav_and_feed_calendars(radicale, caldav_calendar, ics_feed, feed_calendar):
    from apps.sync.tasks import sync_all

    radicale.put(caldav_calendar.url, "a.ics", vevent("a", "A", ":20260323T100000Z", ":20260323T110000Z"))

    done = sync_all()

    assert done == {"holidays": "succeeded", "team": "succeeded"}
    assert Event.objects.filter(calendar=caldav_calendar).count() == 1
