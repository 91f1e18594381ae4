"""``record``/``record_many`` write each column as the model field would, and name the current actor."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
import time_machine

from apps.audit import actor as audit_actor
from apps.audit.models import AuditEntry
from apps.audit.registry import record, record_many

pytestmark = pytest.mark.django_db
T0 = datetime(2026, 3, 2, 9, 0, 0, 123456, tzinfo=UTC)
CHANGES = {"when": [None, datetime(2026, 3, 2, 10, 30, tzinfo=UTC)], "price": [Decimal("1.50"), None], 7: ["a", "b"]}
STORED = {"when": [None, "2026-03-02T10:30:00Z"], "price": ["1.50", None], "7": ["a", "b"]}


def columns(entry: AuditEntry) -> dict:
    return {f.attname: getattr(entry, f.attname) for f in AuditEntry._meta.concrete_fields}


@pytest.fixture
def acting():
    token = audit_actor.begin(request_id="req-1", ip="10.0.0.9")
    audit_actor.set_actor(actor="key:abc", actor_name="n" * 200, scope="commands.manage")
    yield
    audit_actor.end(token)


def test_a_recorded_entry_is_stored_as_it_is_returned(acting):
    with time_machine.travel(T0, tick=False):
        entry = record(action="command.completed", entity="command", entity_id=42, changes=CHANGES)
    stored = AuditEntry.objects.get(pk=entry.pk)
    assert columns(stored) == columns(entry)
    assert (stored.ts, stored.entity_id, stored.changes) == (T0, "42", STORED)
    assert (stored.actor, stored.actor_name, stored.scope) == ("key:abc", "n" * 150, "commands.manage")
    assert (stored.ip, stored.request_id) == ("10.0.0.9", "req-1")
    assert entry._state.adding is False


def test_entries_recorded_together_are_the_same_but_for_the_entity(acting):
    with time_machine.travel(T0, tick=False):
        record_many(action="command.claimed", entity="command", entity_ids=[1, 2], changes=CHANGES)
    rows = list(AuditEntry.objects.order_by("id").values("ts", "entity_id", "changes", "actor", "ip", "request_id"))
    assert rows == [
        {"ts": T0, "entity_id": pk, "changes": STORED, "actor": "key:abc", "ip": "10.0.0.9", "request_id": "req-1"}
        for pk in ("1", "2")
    ]


def test_naming_the_actor_keeps_the_request_id_and_address():
    token = audit_actor.begin(request_id="req-2", ip="10.0.0.1")
    try:
        audit_actor.set_actor(actor="user:1", actor_name="boss", scope="admin-ui")
        assert audit_actor.current() == audit_actor.AuditContext(
            actor="user:1", actor_name="boss", scope="admin-ui", ip="10.0.0.1", request_id="req-2"
        )
    finally:
        audit_actor.end(token)
