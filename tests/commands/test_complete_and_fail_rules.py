from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from apps.audit.models import AuditEntry
from apps.commands.models import Command
from apps.core import signals

pytestmark = pytest.mark.django_db
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def claimed(worker_api, make_command):
    command = make_command()
    worker_api.get("/api/v1/commands/N8N")
    return command


@pytest.fixture
def emitted():
    seen: list[tuple[str, dict]] = []

    def listener(event_type, data):
        seen.append((event_type, data))

    signals.subscribe("*", listener)
    yield seen
    signals.unsubscribe("*", listener)


def test_completing_a_claimed_command_stores_the_result(worker_api, claimed, emitted):
    response = worker_api.post(f"/api/v1/commands/{claimed.pk}/complete", {"result": {"ok": 1}}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "COMPLETED" and body["result"] == {"ok": 1}
    assert body["completed_at"] is not None and body["timeout_at"] is None
    assert [t for t, _ in emitted] == ["command.completed"]
    assert emitted[0][1]["id"] == claimed.pk
    assert AuditEntry.objects.filter(action="command.completed", entity_id=str(claimed.pk)).count() == 1


def test_completing_twice_answers_the_same_and_emits_once(worker_api, claimed, emitted):
    first = worker_api.post(f"/api/v1/commands/{claimed.pk}/complete", {"result": {"ok": 1}}, format="json")
    second = worker_api.post(f"/api/v1/commands/{claimed.pk}/complete", {"result": {"ok": 2}}, format="json")
    assert second.status_code == 200
    assert second.json() == first.json()
    assert [t for t, _ in emitted] == ["command.completed"]


def test_completing_an_unknown_command_is_404(worker_api, n8n):
    assert worker_api.post("/api/v1/commands/999999/complete", {}, format="json").status_code == 404
    assert worker_api.post("/api/v1/commands/99999999999999999999999/fail", {}, format="json").status_code == 404


def test_completing_a_pending_command_is_409(worker_api, make_command):
    command = make_command()
    response = worker_api.post(f"/api/v1/commands/{command.pk}/complete", {}, format="json")
    assert response.status_code == 409
    assert "PENDING" in response.json()["detail"]
    assert Command.objects.get().status == "PENDING"


def test_completing_a_failed_command_is_409(worker_api, claimed):
    worker_api.post(f"/api/v1/commands/{claimed.pk}/fail", {"error": "x", "retry": False}, format="json")
    assert worker_api.post(f"/api/v1/commands/{claimed.pk}/complete", {}, format="json").status_code == 409


def test_a_failure_with_retry_returns_the_command_after_a_backoff(worker_api, make_command):
    with time_machine.travel(T0, tick=False):
        command = make_command()
        worker_api.get("/api/v1/commands/N8N")
        body = worker_api.post(f"/api/v1/commands/{command.pk}/fail", {"error": "timeout"}, format="json").json()
    assert (body["status"], body["retries"], body["last_error"]) == ("PENDING", 1, "timeout")
    assert body["available_at"] == "2026-03-02T09:00:30Z"  # retry_backoff_seconds * 2**0
    with time_machine.travel(T0 + timedelta(seconds=29), tick=False):
        assert worker_api.get("/api/v1/commands/N8N").json()["count"] == 0
    with time_machine.travel(T0 + timedelta(seconds=30), tick=False):
        assert worker_api.get("/api/v1/commands/N8N").json()["count"] == 1


def test_retry_after_seconds_overrides_the_backoff(worker_api, make_command):
    with time_machine.travel(T0, tick=False):
        command = make_command()
        worker_api.get("/api/v1/commands/N8N")
        body = worker_api.post(
            f"/api/v1/commands/{command.pk}/fail", {"error": "rate limited", "retry_after_seconds": 600}, format="json"
        ).json()
    assert body["available_at"] == "2026-03-02T09:10:00Z"


def test_retries_exhausted_end_in_failed(worker_api, make_command, emitted):
    command = make_command(max_retries=2)
    for attempt in range(3):
        worker_api.get("/api/v1/commands/N8N")
        body = worker_api.post(
            f"/api/v1/commands/{command.pk}/fail", {"error": f"boom {attempt}", "retry_after_seconds": 0}, format="json"
        ).json()
    assert (body["status"], body["retries"], body["last_error"]) == ("FAILED", 2, "boom 2")
    assert [t for t, _ in emitted if t not in ("command.claimed", "command.created")] == [
        "command.requeued",
        "command.requeued",
        "command.failed",
    ]


def test_retry_false_fails_at_once_and_a_repeat_is_idempotent(worker_api, claimed):
    url = f"/api/v1/commands/{claimed.pk}/fail"
    first = worker_api.post(url, {"error": "bad input", "retry": False}, format="json")
    second = worker_api.post(url, {"error": "again", "retry": False}, format="json")
    assert first.json()["status"] == "FAILED"
    assert second.status_code == 200 and second.json() == first.json()


def test_failing_a_completed_command_is_409(worker_api, claimed):
    worker_api.post(f"/api/v1/commands/{claimed.pk}/complete", {}, format="json")
    response = worker_api.post(f"/api/v1/commands/{claimed.pk}/fail", {"error": "late"}, format="json")
    assert response.status_code == 409
    assert Command.objects.get().status == "COMPLETED"


def test_a_negative_retry_delay_is_400(worker_api, claimed):
    response = worker_api.post(f"/api/v1/commands/{claimed.pk}/fail", {"retry_after_seconds": -1}, format="json")
    assert response.status_code == 400
    assert Command.objects.get().status == "PROCESSING"


def test_every_transition_is_audited(worker_api, claimed):
    worker_api.post(f"/api/v1/commands/{claimed.pk}/complete", {"result": None}, format="json")
    actions = list(
        AuditEntry.objects.filter(entity="command", entity_id=str(claimed.pk))
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["command.created", "command.claimed", "command.completed"]
