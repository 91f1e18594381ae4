from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from apps.audit import guards
from apps.audit.models import AuditEntry
from apps.audit.registry import record


@pytest.mark.django_db
def test_the_database_refuses_update_of_an_audit_entry():
    entry = record(action="create", entity="thing", entity_id=1)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).update(action="tampered")
    assert AuditEntry.objects.get(pk=entry.pk).action == "create"


@pytest.mark.django_db
def test_the_database_refuses_raw_delete_of_an_audit_entry():
    entry = record(action="create", entity="thing", entity_id=1)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {guards.TABLE} WHERE id = %s", [entry.pk])
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_the_guards_are_back_after_a_fresh_migrate():
    guards.drop(connection)
    assert guards.installed(connection) == set()
    call_command("migrate", verbosity=0)
    expected = {"audit_no_update", "audit_no_delete"} if connection.vendor == "sqlite" else {"audit_no_update_delete"}
    assert guards.installed(connection) == expected
    entry = record(action="create", entity="thing", entity_id=1)
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).update(action="x")


@pytest.mark.django_db(transaction=True)
def test_migrating_audit_back_and_forth_keeps_the_guards():
    call_command("migrate", "audit", "0001", verbosity=0)
    call_command("migrate", verbosity=0)
    assert guards.installed(connection)
