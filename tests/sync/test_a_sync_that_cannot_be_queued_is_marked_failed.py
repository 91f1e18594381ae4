from __future__ import annotations

from apps.sync.models import SyncRun
from apps.sync.services import queue_sync


def test_a_broker_outage_fails_the_queued_runs_instead_of_leaving_them_queued(
        google_calendar, monkeypatch, django_capture_on_commit_callbacks):
    def broker_down(*args, **kwargs):
        raise ConnectionError("Error 111 connecting to redis.internal:6379. Connection refused.")

    monkeypatch.setattr("django_q.tasks.async_task", broker_down)

    with django_capture_on_commit_callbacks(execute=True):
        task_id, _ = queue_sync(calendar_id="work")

    run = SyncRun.objects.get(task_id=task_id)
    assert run.status == SyncRun.Status.FAILED and run.finished_at is not None
    assert run.errors[0]["type"] == "enqueue"
    assert "task queue unavailable (ConnectionError)" in run.errors[0]["detail"]
