from __future__ import annotations

from datetime import timedelta

from apps.sync.models import SyncRun
from tests.sync.conftest import GOOGLE_ID, NOW


def test_posting_a_sync_queues_a_run_whose_counts_can_be_read_back(fake_google, google_calendar, api,
                                                                  django_capture_on_commit_callbacks):
    fake_google.add_event(GOOGLE_ID, "One", NOW + timedelta(hours=1), NOW + timedelta(hours=2))
    fake_google.add_event(GOOGLE_ID, "Two", NOW + timedelta(hours=3), NOW + timedelta(hours=4))
    client = api(scopes=["sync.run"])

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/api/v1/sync/calendar", {"calendar_id": "work"}, format="json")

    assert response.status_code == 202, response.data
    assert set(response.data) == {"task_id", "queued_at"}
    detail = client.get(f"/api/v1/sync/runs/{response.data['task_id']}")
    assert detail.status_code == 200
    body = detail.data
    assert body["status"] == "succeeded" and body["full"] is True
    assert (body["fetched"], body["created"], body["updated"], body["deleted"], body["consumed"]) == (2, 2, 0, 0, 0)
    assert body["errors"] == [] and body["duration_seconds"] is not None
    assert body["calendars"][0]["calendar_id"] == "work"


def test_a_sync_of_everything_covers_each_enabled_calendar(fake_google, google_calendar, api):
    response = api(scopes=["sync.run"]).post("/api/v1/sync/calendar", {}, format="json")
    assert response.status_code == 202
    assert list(SyncRun.objects.filter(task_id=response.data["task_id"]).values_list("calendar_id", "status")) == [
        ("work", "queued")]


def test_bad_requests_get_a_clear_4xx(google_calendar, api):
    from apps.events.models import Calendar

    Calendar.objects.create(id="home", name="Home", source="local")
    client = api(scopes=["sync.run"])
    unknown = client.post("/api/v1/sync/calendar", {"calendar_id": "nope"}, format="json")
    local = client.post("/api/v1/sync/calendar", {"calendar_id": "home"}, format="json")
    wrong_type = client.post("/api/v1/sync/calendar", {"full": "maybe"}, format="json")
    missing = client.get("/api/v1/sync/runs/unknown-task")
    assert unknown.status_code == 400 and "does not exist" in unknown.data["detail"]
    assert local.status_code == 400 and "local" in local.data["detail"]
    assert wrong_type.status_code == 400 and "full" in wrong_type.data
    assert missing.status_code == 404 and missing.data["detail"]
    assert not SyncRun.objects.exists()


def test_the_endpoints_require_the_sync_scope(google_calendar, api):
    from rest_framework.test import APIClient

    assert APIClient().post("/api/v1/sync/calendar", {}, format="json").status_code == 401
    assert api(scopes=["events.read"]).post("/api/v1/sync/calendar", {}, format="json").status_code == 403


def test_a_repeated_idempotency_key_returns_the_first_task(google_calendar, api):
    client = api(scopes=["sync.run"])
    first = client.post("/api/v1/sync/calendar", {"calendar_id": "work"}, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    second = client.post("/api/v1/sync/calendar", {"calendar_id": "work"}, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    assert second.status_code == 202 and second.data["task_id"] == first.data["task_id"]
    assert second["Idempotent-Replayed"] == "true"
    assert SyncRun.objects.count() == 1


def test_sync_health_needs_no_key_and_shows_each_calendar(fake_google, sync, client):
    from apps.core import schedules

    schedules.ensure_all()
    sync()
    response = client.get("/api/v1/sync/health")
    assert response.status_code == 200
    body = response.json()
    work = next(c for c in body["calendars"] if c["calendar_id"] == "work")
    assert work["last_success_at"] and work["last_error"] is None and work["next_run_at"]
    assert body["interval_minutes"] == 5 and body["google_credentials"] == "ok"
