from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from apps.commands.models import Command
from apps.commands.tasks import sweep_expired_leases

pytestmark = pytest.mark.django_db
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_an_expired_lease_returns_the_command_on_the_next_poll_as_a_retry(worker_api, make_command):
    with time_machine.travel(T0, tick=False):
        command = make_command()
        assert worker_api.get("/api/v1/commands/N8N").json()["count"] == 1
    with time_machine.travel(T0 + timedelta(minutes=4, seconds=59), tick=False):
        assert worker_api.get("/api/v1/commands/N8N").json()["count"] == 0
    with time_machine.travel(T0 + timedelta(minutes=5, seconds=1), tick=False):
        body = worker_api.get("/api/v1/commands/N8N").json()
    assert [c["id"] for c in body["commands"]] == [command.pk]
    assert body["commands"][0]["retries"] == 1
    command.refresh_from_db()
    assert command.status == "PROCESSING"
    assert "lease expired" in command.last_error


def test_the_periodic_sweep_requeues_expired_leases(worker_api, make_command):
    with time_machine.travel(T0, tick=False):
        command = make_command()
        worker_api.get("/api/v1/commands/N8N")
    with time_machine.travel(T0 + timedelta(minutes=6), tick=False):
        assert sweep_expired_leases() == 1
    command.refresh_from_db()
    assert (command.status, command.retries, command.timeout_at) == ("PENDING", 1, None)


def test_an_expired_lease_with_no_retries_left_fails_the_command(worker_api, make_command):
    with time_machine.travel(T0, tick=False):
        command = make_command(max_retries=0)
        worker_api.get("/api/v1/commands/N8N")
    with time_machine.travel(T0 + timedelta(minutes=6), tick=False):
        assert worker_api.get("/api/v1/commands/N8N").json()["count"] == 0
    command.refresh_from_db()
    assert command.status == "FAILED"
    assert "no retries left" in command.last_error


def test_the_sweep_is_declared_as_a_schedule():
    from apps.core.schedules import declared

    assert any(d.func == "apps.commands.tasks.sweep_expired_leases" for d in declared())


def test_status_is_unchanged_for_commands_whose_lease_holds(worker_api, make_command):
    with time_machine.travel(T0, tick=False):
        make_command()
        worker_api.get("/api/v1/commands/N8N")
        assert sweep_expired_leases() == 0
    assert Command.objects.get().status == "PROCESSING"
