from __future__ import annotations

from datetime import timedelta

from apps.events.models import Event
from apps.sync.models import EventSyncMeta, PendingPush
from tests.sync.conftest import GOOGLE_ID, NOW


def _iso(value):
    return value.isoformat().replace("+00:00", "Z")


def test_an_event_created_through_the_api_is_inserted_into_google(fake_google, google_calendar, api,
                                                                 django_capture_on_commit_callbacks):
    client = api(scopes=["events.write", "events.read"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/api/v1/events", {
            "calendar_id": "work", "title": "Budget review", "start_time": _iso(NOW + timedelta(days=1)),
            "end_time": _iso(NOW + timedelta(days=1, hours=1)), "location": "Room 3"}, format="json")
    assert response.status_code == 201, response.data

    event = Event.objects.get(pk=response.data["id"])
    remote = fake_google.get(GOOGLE_ID, event.external_id)
    assert remote is not None and remote["summary"] == "Budget review" and remote["location"] == "Room 3"
    assert event.etag == remote["etag"]
    assert not PendingPush.objects.exists()
    assert EventSyncMeta.objects.get(external_id=event.external_id).etag == remote["etag"]


def test_local_edits_and_deletes_are_patched_and_deleted_in_google(fake_google, sync, api,
                                                                  django_capture_on_commit_callbacks):
    item = fake_google.add_event(GOOGLE_ID, "Original", NOW + timedelta(hours=2), NOW + timedelta(hours=3))
    sync()
    event = Event.objects.get(external_id=item["id"])
    client = api(scopes=["events.write", "events.read"])

    with django_capture_on_commit_callbacks(execute=True):
        response = client.patch(f"/api/v1/events/{event.pk}", {"title": "Renamed locally"}, format="json")
    assert response.status_code == 200, response.data
    patch = fake_google.calls("PATCH")[-1]
    assert patch["if_match"] == item["etag"]  # based on the version we knew
    assert fake_google.get(GOOGLE_ID, item["id"])["summary"] == "Renamed locally"

    with django_capture_on_commit_callbacks(execute=True):
        assert client.delete(f"/api/v1/events/{event.pk}").status_code == 204
    assert fake_google.get(GOOGLE_ID, item["id"])["status"] == "cancelled"
    assert not PendingPush.objects.exists()

    run = sync()  # our own changes come back as changes: nothing is re-applied
    assert (run.created, run.updated, run.deleted, run.conflicts) == (0, 0, 0, 0)


def test_saving_only_local_fields_pushes_nothing(fake_google, sync):
    fake_google.add_event(GOOGLE_ID, "Checklist holder", NOW + timedelta(hours=2), NOW + timedelta(hours=3))
    sync()
    event = Event.objects.get()
    event.all_done = True
    event.save()
    assert not PendingPush.objects.exists()


def test_a_push_that_fails_is_kept_and_retried_later(fake_google, google_calendar, chronos_config):
    from apps.sync.services import push_now

    chronos_config("google", num_retries=1)
    event = Event.objects.create(calendar_id="work", title="Offline edit", start_time=NOW + timedelta(hours=1),
                                 end_time=NOW + timedelta(hours=2))
    pending = PendingPush.objects.get()
    assert (pending.op, pending.external_id) == ("insert", Event.objects.get(pk=event.pk).external_id)
    fake_google.fail_next(2, status=500)

    first = push_now(google_calendar)
    pending.refresh_from_db()
    assert first.pushed == 0 and pending.attempts == 1 and pending.next_attempt_at > NOW
    assert "500" in pending.last_error

    PendingPush.objects.update(next_attempt_at=NOW)
    second = push_now(google_calendar)
    assert second.pushed == 1 and not PendingPush.objects.exists()
    assert fake_google.get(GOOGLE_ID, pending.external_id)["summary"] == "Offline edit"


def test_events_of_local_and_mock_calendars_are_never_queued(db):
    from apps.events.models import Calendar

    Calendar.objects.create(id="home", name="Home", source="local")
    Event.objects.create(calendar_id="home", title="Local only", start_time=NOW, end_time=NOW + timedelta(hours=1))
    assert not PendingPush.objects.exists()
