from __future__ import annotations

import hashlib
import json
import sqlite3
import zipfile

import pytest
from django.conf import settings

from apps.backups import services
from apps.backups.models import NAME_RE, Backup

# Committed data only: pg_dump runs in its own session and must not wait on the test's locks.
pytestmark = pytest.mark.django_db(transaction=True)


def test_a_backup_writes_a_named_archive_with_database_config_uploads_plugins_and_manifest(backup_env, vendor):
    backup = services.create_backup(trigger=Backup.Trigger.MANUAL)

    assert backup.status == Backup.Status.OK, backup.error
    assert NAME_RE.fullmatch(backup.name)
    path = backup_env / "backups" / backup.name
    assert path.is_file() and path.stat().st_size == backup.size
    with zipfile.ZipFile(path) as zf:
        names = set(zf.namelist())
        manifest = json.loads(zf.read("manifest.json"))
        db_member = "database/chronos.db" if vendor == "sqlite" else "database/chronos.dump"
        assert {db_member, "config/chronos.yaml", "uploads/2025/agenda.txt", "plugins/shout.py"} <= names
        for entry in manifest["files"]:
            data = zf.read(entry["path"])
            assert hashlib.sha256(data).hexdigest() == entry["sha256"]
            assert len(data) == entry["size"]
        assert zf.read("uploads/2025/agenda.txt") == b"bring the slides\n"
    assert manifest["version"] == settings.VERSION
    assert manifest["database"]["vendor"] == vendor
    assert "0001_initial" in manifest["migrations"]["backups"]
    assert manifest["created_at"].startswith(backup.created_at.isoformat()[:19])
    assert manifest["trigger"] == "manual"


def test_a_backup_is_verified_after_writing_and_its_row_says_so(backup_env):
    backup = services.create_backup()

    backup.refresh_from_db()
    assert backup.verified is True and backup.verified_at is not None
    assert backup.error == ""


def test_the_sqlite_snapshot_is_a_self_contained_database_that_passes_its_checks(backup_env, vendor, tmp_path):
    if vendor != "sqlite":
        pytest.skip("SQLite-specific")
    backup = services.create_backup()
    with zipfile.ZipFile(backup_env / "backups" / backup.name) as zf:
        (tmp_path / "snap.db").write_bytes(zf.read("database/chronos.db"))
    conn = sqlite3.connect(tmp_path / "snap.db")
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    assert conn.execute("SELECT count(*) FROM django_migrations WHERE app='backups'").fetchone()[0] >= 1
    conn.close()


def test_two_backups_in_the_same_second_get_distinct_names(backup_env, time_machine):
    time_machine.move_to("2025-03-01 02:00:00+00:00", tick=False)
    first = services.create_backup()
    second = services.create_backup()

    assert first.name == "chronos-20250301-020000.zip"
    assert second.name == "chronos-20250301-020000-1.zip"
    assert (backup_env / "backups" / second.name).is_file()
