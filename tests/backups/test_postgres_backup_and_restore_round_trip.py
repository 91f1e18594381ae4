from __future__ import annotations

import shutil

import pytest
from django.contrib.auth.models import Group
from django.db import connection

from apps.backups import services, snapshot
from apps.backups.models import Backup
from apps.backups.restore import restore

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL-specific"),
]


def test_a_pg_dump_backup_restores_the_data_and_keeps_the_previous_database(backup_env):
    Group.objects.create(name="before")
    backup = services.create_backup()
    assert backup.status == Backup.Status.OK and backup.verified, backup.error
    Group.objects.all().delete()
    Group.objects.create(name="after")
    lines: list[str] = []

    restore(backup_env / "backups" / backup.name, force=True, out=lines.append)

    assert list(Group.objects.values_list("name", flat=True)) == ["before"]
    assert any("restored the dump into database" in line for line in lines)
    kept = list((backup_env / "backups").glob("pre-restore-*.dump"))
    assert len(kept) == 1
    snapshot.pg_check(kept[0])
    assert Backup.objects.get(name=backup.name).status == Backup.Status.OK


def test_a_missing_pg_dump_is_a_clear_error(backup_env, monkeypatch):
    real_which = shutil.which
    monkeypatch.setattr(shutil, "which", lambda name: None if name == "pg_dump" else real_which(name))

    backup = services.create_backup()

    assert backup.status == Backup.Status.FAILED
    assert "pg_dump not found on PATH" in backup.error
    assert not list((backup_env / "backups").glob("*.zip"))
