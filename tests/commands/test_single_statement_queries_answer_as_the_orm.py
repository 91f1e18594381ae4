"""The single-statement claim and complete answer exactly as their plain ORM forms.

The same scenario runs once with each form: every API answer, every stored row and every audit
entry must be the same.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from apps.audit.models import AuditEntry
from apps.commands.models import Command

pytestmark = pytest.mark.django_db
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _scenario(settings, worker_api, make_command, single: bool) -> dict:
    settings.CHRONOS = {**settings.CHRONOS, "commands": {**settings.CHRONOS.get("commands", {}),
                                                         "single_statement_queries": single}}
    Command.objects.all().delete()
    with time_machine.travel(T0, tick=False):
        ids = [make_command(parameters={"n": n}).pk for n in range(5)]
        later = make_command(parameters={"n": 99}, available_at=T0 + timedelta(hours=1)).pk
    answers = []
    with time_machine.travel(T0 + timedelta(seconds=1), tick=False):
        answers.append(worker_api.get("/api/v1/commands/N8N?limit=3").json())
        answers.append(worker_api.get("/api/v1/commands/N8N?limit=10").json())
        answers.append(worker_api.get("/api/v1/commands/N8N").json())  # nothing due
    with time_machine.travel(T0 + timedelta(seconds=2), tick=False):
        for pk, result in ((ids[0], {"ok": True, "nested": [1, "x", None]}), (ids[1], None), (ids[2], "text")):
            response = worker_api.post(f"/api/v1/commands/{pk}/complete", {"result": result}, format="json")
            answers.append((response.status_code, response.json()))
        again = worker_api.post(f"/api/v1/commands/{ids[0]}/complete", {"result": 1}, format="json")
        answers.append((again.status_code, again.json()))
        early = worker_api.post(f"/api/v1/commands/{later}/complete", {"result": 1}, format="json")
        answers.append((early.status_code, early.json()))

    def relative(value):  # ids differ between the two runs: compare positions instead
        order = [*ids, later]
        if isinstance(value, dict):
            return {k: (order.index(v) if k == "id" and v in order else relative(v)) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [relative(v) for v in value]
        if isinstance(value, str):
            for position, pk in enumerate(order):
                value = value.replace(f"command {pk} ", f"command <{position}> ")
        return value

    rows = [relative(row) for row in Command.objects.order_by("id").values()]
    audit = [(e.action, [*ids, later].index(int(e.entity_id)), e.changes, e.ts)
             for e in AuditEntry.objects.filter(entity="command").exclude(action="command.created").order_by("id")
             if int(e.entity_id) in [*ids, later]]
    return {"answers": relative(answers), "rows": rows, "audit": audit}


def test_claim_and_complete_answer_alike_in_both_forms(settings, worker_api, make_command):
    single = _scenario(settings, worker_api, make_command, single=True)
    standard = _scenario(settings, worker_api, make_command, single=False)
    assert [len(a["commands"]) for a in single["answers"][:3]] == [3, 2, 0]
    assert single["answers"][3][0] == 200 and single["answers"][7][0] == 409
    assert single == standard

