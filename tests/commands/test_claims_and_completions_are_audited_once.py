"""Each claim and completion leaves exactly one audit entry per command, naming key and request."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine

from apps.audit.models import AuditEntry

pytestmark = pytest.mark.django_db
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def entries(action: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(entity="command", action=action).order_by("id"))


def test_a_poll_audits_each_claimed_command_with_the_key_and_request(worker_api, make_command):
    with time_machine.travel(T0, tick=False):
        ids = [make_command(parameters={"n": n}).pk for n in range(3)]
        body = worker_api.get("/api/v1/commands/N8N?limit=2", HTTP_X_REQUEST_ID="poll-1").json()
    assert [c["id"] for c in body["commands"]] == ids[:2]
    claimed = entries("command.claimed")
    assert [e.entity_id for e in claimed] == [str(pk) for pk in ids[:2]]
    for entry in claimed:
        assert entry.actor == f"key:{worker_api.api_key.key_id}"
        assert (entry.actor_name, entry.request_id, entry.ip) == ("test", "poll-1", "127.0.0.1")
        assert entry.scope == "commands.manage,commands.read"
        assert entry.changes == {"status": ["PENDING", "PROCESSING"], "timeout_at": [None, "2026-03-02T09:05:00Z"]}
        assert entry.ts == T0


def test_a_completion_is_audited_once_and_a_refused_one_not_at_all(worker_api, make_command):
    done, pending = make_command(), None
    worker_api.get("/api/v1/commands/N8N")
    pending = make_command()
    with time_machine.travel(T0, tick=False):
        response = worker_api.post(f"/api/v1/commands/{done.pk}/complete", {"result": {"ok": True}},
                                   format="json", HTTP_X_REQUEST_ID="done-1")
    assert response.status_code == 200
    assert worker_api.post(f"/api/v1/commands/{done.pk}/complete", {}, format="json").status_code == 200
    assert worker_api.post(f"/api/v1/commands/{pending.pk}/complete", {}, format="json").status_code == 409
    [entry] = entries("command.completed")
    assert (entry.entity_id, entry.request_id, entry.actor) == (
        str(done.pk), "done-1", f"key:{worker_api.api_key.key_id}"
    )
    assert entry.changes == {
        "status": ["PROCESSING", "COMPLETED"],
        "result": [None, {"ok": True}],
        "completed_at": [None, "2026-03-02T09:00:00Z"],
    }
    assert entry.ts == T0
