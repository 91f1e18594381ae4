from __future__ import annotations

from datetime import timedelta

from apps.events.models import Event
from apps.sync.models import SyncState
from tests.sync.conftest import GOOGLE_ID, NOW


def test_rate_limits_and_server_errors_are_retried_with_backoff(fake_google, sync, backoff_sleeps):
    fake_google.add_event(GOOGLE_ID, "Survives", NOW + timedelta(hours=1), NOW + timedelta(hours=2))
    fake_google.fail_next(1, status=429)
    fake_google.fail_next(1, status=500)

    run = sync()

    assert run.status == "succeeded", run.errors
    assert [c["status"] for c in fake_google.calls("GET", "/events")] == [429, 500, 200]
    assert len(backoff_sleeps) == 2 and backoff_sleeps[1] > 0  # exponential backoff, never really slept
    assert Event.objects.filter(title="Survives").exists()


def test_a_source_that_keeps_failing_fails_the_run_without_touching_the_store(fake_google, sync):
    fake_google.add_event(GOOGLE_ID, "First", NOW + timedelta(hours=1), NOW + timedelta(hours=2))
    sync()
    token = SyncState.objects.get(calendar_id="work").sync_token
    fake_google.add_event(GOOGLE_ID, "Second", NOW + timedelta(hours=3), NOW + timedelta(hours=4))
    fake_google.fail_next(10, status=503)

    run = sync()

    assert run.status == "failed"
    assert "503" in run.errors[-1]["detail"]
    state = SyncState.objects.get(calendar_id="work")
    assert state.sync_token == token and "503" in state.last_error and state.last_error_at is not None
    assert list(Event.objects.values_list("title", flat=True)) == ["First"]
    assert state.lock_owner == ""  # a failed run releases its lock
