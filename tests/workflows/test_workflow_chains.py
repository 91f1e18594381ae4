from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.test import override_settings

from apps.audit.models import AuditEntry
from apps.commands import services
from apps.commands.models import Command
from tests.workflows.factories import WorkflowFactory

pytestmark = pytest.mark.django_db
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def finish(command: Command, result: dict | None = None) -> Command:
    claimed = services.claim(system=command.target_system, limit=100)
    assert command.pk in [c.pk for c in claimed]
    return services.complete(command_id=command.pk, result=result or {})


def test_a_chain_a_to_b_to_c_renders_params_from_command_result_and_event(entries):
    WorkflowFactory(
        name="summarise weather",
        trigger_command="FETCH",
        trigger_system="N8N",
        follow_up_command="SUMMARISE",
        follow_up_system="N8N",
        follow_up_params={"text": "{{event.title}} in {{command.params.city}}", "degrees": "{{command.result.temp}}"},
    )
    WorkflowFactory(
        name="tell me",
        trigger_command="SUMMARISE",
        trigger_system="N8N",
        follow_up_command="SEND_MESSAGE",
        follow_up_system="TELEGRAM",
        follow_up_params={"text": "Summary: {{command.result.summary}} ({{command.params.degrees}} C)", "chat_id": 42},
    )
    a = services.create_command(
        command="FETCH",
        target_system="N8N",
        parameters={"city": "Berlin"},
        context={"event": {"title": "Weather check"}, "calendar_id": "work"},
    )
    finish(a, {"temp": 21})
    b = Command.objects.get(command="SUMMARISE")
    assert b.parameters == {"text": "Weather check in Berlin", "degrees": 21}
    assert (b.depth, b.context["parent_command_id"], b.context["calendar_id"]) == (1, a.pk, "work")

    finish(b, {"summary": "sunny"})
    c = Command.objects.get(command="SEND_MESSAGE")
    assert c.target_system == "TELEGRAM"
    assert c.parameters == {"text": "Summary: sunny (21 C)", "chat_id": 42}
    assert c.depth == 2
    assert c.context["event"]["title"] == "Weather check"


def test_the_follow_up_waits_for_its_delay(entries, worker_api):
    WorkflowFactory(
        name="later",
        trigger_command="PING",
        trigger_system="N8N",
        follow_up_command="PING",
        follow_up_system="N8N",
        delay_seconds=120,
    )
    with time_machine.travel(T0, tick=False):
        first = services.create_command(command="PING", target_system="N8N", parameters={})
        finish(first)
        follow_up = Command.objects.exclude(pk=first.pk).get()
        assert follow_up.available_at == T0 + timedelta(seconds=120)
        assert services.claim(system="N8N", limit=10) == []
    with time_machine.travel(T0 + timedelta(seconds=120), tick=False):
        assert [c.pk for c in services.claim(system="N8N", limit=10)] == [follow_up.pk]


def test_completing_twice_runs_the_workflow_once(entries, worker_api):
    WorkflowFactory(
        name="once",
        trigger_command="PING",
        trigger_system="N8N",
        follow_up_command="SEND_MESSAGE",
        follow_up_system="TELEGRAM",
        follow_up_params={"text": "done"},
    )
    command = services.create_command(command="PING", target_system="N8N", parameters={})
    worker_api.get("/api/v1/commands/N8N")
    for _ in range(2):
        assert (
            worker_api.post(f"/api/v1/commands/{command.pk}/complete", {"result": {}}, format="json").status_code == 200
        )
    assert Command.objects.filter(command="SEND_MESSAGE").count() == 1


def test_a_loop_stops_at_the_depth_limit_with_an_audited_error(entries):
    loop = WorkflowFactory(
        name="loop",
        trigger_command="PING",
        trigger_system="N8N",
        follow_up_command="PING",
        follow_up_system="N8N",
        follow_up_params={"n": "{{command.params.n}}"},
    )
    with override_settings(CHRONOS={"workflows": {"max_depth": 3}}):
        current = services.create_command(command="PING", target_system="N8N", parameters={"n": 7})
        for _ in range(10):
            finish(current)
            follow_ups = Command.objects.filter(status="PENDING")
            if not follow_ups:
                break
            current = follow_ups.get()
    assert sorted(Command.objects.values_list("depth", flat=True)) == [0, 1, 2, 3]
    assert set(Command.objects.values_list("status", flat=True)) == {"COMPLETED"}
    stopped = AuditEntry.objects.get(action="workflow.depth_exceeded", entity="workflow", entity_id=str(loop.pk))
    assert "max_depth=3" in stopped.changes["error"][1]


def test_a_follow_up_the_whitelist_refuses_is_audited_and_the_completion_stands(entries):
    flow = WorkflowFactory(
        name="bad",
        trigger_command="PING",
        trigger_system="N8N",
        follow_up_command="SUMMARISE",
        follow_up_system="N8N",
        follow_up_params={"text": "x", "degrees": "{{command.result.temp}}"},
    )
    command = services.create_command(command="PING", target_system="N8N", parameters={})
    finish(command, {"temp": "warm"})
    assert Command.objects.get(pk=command.pk).status == "COMPLETED"
    assert not Command.objects.filter(command="SUMMARISE").exists()
    entry = AuditEntry.objects.get(action="workflow.rejected", entity_id=str(flow.pk))
    assert entry.changes["error"][1] == "parameter 'degrees' must be of type int: expected an integer, got 'warm'"


def test_a_placeholder_without_a_value_is_audited(entries):
    flow = WorkflowFactory(
        name="missing",
        trigger_command="PING",
        trigger_system="N8N",
        follow_up_command="SEND_MESSAGE",
        follow_up_system="TELEGRAM",
        follow_up_params={"text": "{{command.result.nothing}}"},
    )
    command = services.create_command(command="PING", target_system="N8N", parameters={})
    finish(command)
    assert not Command.objects.filter(command="SEND_MESSAGE").exists()
    assert AuditEntry.objects.filter(action="workflow.render_failed", entity_id=str(flow.pk)).exists()


def test_a_disabled_workflow_does_nothing(entries):
    WorkflowFactory(
        name="off",
        trigger_command="PING",
        trigger_system="N8N",
        enabled=False,
        follow_up_command="SEND_MESSAGE",
        follow_up_system="TELEGRAM",
        follow_up_params={"text": "x"},
    )
    finish(services.create_command(command="PING", target_system="N8N", parameters={}))
    assert Command.objects.count() == 1
