from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from apps.audit.models import AuditEntry
from apps.commands.models import Command

pytestmark = pytest.mark.django_db
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_a_poll_claims_the_oldest_pending_commands_with_a_lease(worker_api, make_command):
    with time_machine.travel(T0, tick=False):
        ids = [make_command(parameters={"n": i}).pk for i in range(3)]
        response = worker_api.get("/api/v1/commands/n8n?limit=2")
    assert response.status_code == 200
    body = response.json()
    assert body["system_id"] == "N8N"
    assert body["count"] == 2
    assert [c["id"] for c in body["commands"]] == ids[:2]
    assert body["commands"][0]["parameters"] == {"n": 0}
    assert body["commands"][0]["timeout_at"] == "2026-03-02T09:05:00Z"
    assert body["retrieved_at"] == "2026-03-02T09:00:00Z"
    assert list(Command.objects.order_by("id").values_list("status", flat=True)) == [
        "PROCESSING",
        "PROCESSING",
        "PENDING",
    ]
    assert AuditEntry.objects.filter(action="command.claimed", entity="command").count() == 2


def test_a_second_poll_does_not_get_commands_under_lease(worker_api, make_command):
    make_command()
    assert worker_api.get("/api/v1/commands/N8N").json()["count"] == 1
    assert worker_api.get("/api/v1/commands/N8N").json()["count"] == 0


def test_a_poll_only_sees_its_own_system(worker_api, make_command):
    make_command()
    body = worker_api.get("/api/v1/commands/TELEGRAM").json()
    assert (body["system_id"], body["commands"], body["count"]) == ("TELEGRAM", [], 0)
    assert Command.objects.get().status == "PENDING"


@pytest.mark.parametrize("limit", ["0", "101", "ten"])
def test_a_limit_out_of_range_is_400(worker_api, limit):
    response = worker_api.get(f"/api/v1/commands/N8N?limit={limit}")
    assert response.status_code == 400
    assert "limit" in response.json()


def test_polling_needs_the_manage_scope(api, make_command):
    make_command()
    reader = api(scopes=["commands.read"])
    assert reader.get("/api/v1/commands/N8N").status_code == 403
    assert Command.objects.get().status == "PENDING"


def test_a_delayed_command_is_not_claimed_before_its_time(worker_api, make_command):
    with time_machine.travel(T0, tick=False):
        make_command(available_at=T0 + timedelta(minutes=10))
        assert worker_api.get("/api/v1/commands/N8N").json()["count"] == 0
    with time_machine.travel(T0 + timedelta(minutes=10), tick=False):
        assert worker_api.get("/api/v1/commands/N8N").json()["count"] == 1


def test_a_poll_checks_the_cached_configuration_rows_once_for_all_its_commands(worker_api, make_command):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for n in range(5):
        make_command(parameters={"n": n})
    with CaptureQueriesContext(connection) as captured:
        assert worker_api.get("/api/v1/commands/N8N?limit=5").json()["count"] == 5
    assert sum(1 for q in captured.captured_queries if "COUNT(*)" in q["sql"]) == 1
