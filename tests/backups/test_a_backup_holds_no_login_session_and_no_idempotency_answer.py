"""A backup must not let whoever holds it sign in, nor carry secrets shown once.

A session key is the admin cookie itself, and idempotency records hold whole response bodies
(a webhook endpoint's secret, for one): neither may leave the machine inside an archive.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import zipfile
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client

from apps.backups import services, snapshot
from apps.backups.models import Backup
from apps.core.models import IdempotencyRecord

# Committed data only: the snapshot reads the database from a connection of its own.
pytestmark = pytest.mark.django_db(transaction=True)

SECRET = "whsec_dGhpcy1pcy1hLXNlY3JldC1zaG93bi1vbmNl"


def _signed_in_session_key() -> str:
    admin = get_user_model().objects.create_superuser("boss", "boss@example.org", "pw-for-tests")
    client = Client()
    client.force_login(admin)
    key = client.cookies["sessionid"].value
    assert client.get("/admin/").status_code == 200
    return key


def _idempotency_answer_with_secret() -> None:
    IdempotencyRecord.objects.create(
        principal="key:1", key="create-endpoint-1", request_hash="0" * 64, in_progress=False,
        response_status=201, response_body={"id": 1, "secret": SECRET}, response_headers={},
    )


def _database_bytes(backup: Backup, backup_env, tmp_path, vendor: str) -> bytes:
    member = services.DB_MEMBER[vendor]
    with zipfile.ZipFile(backup_env / "backups" / backup.name) as zf:
        raw = zf.read(member)
    if vendor == "sqlite":
        return raw
    dump = tmp_path / "chronos.dump"
    dump.write_bytes(raw)
    # The dump as the SQL script a restore would run: every row it would bring back.
    tool = snapshot._pg_tool("pg_restore")
    return subprocess.run([tool, "--file", "-", str(dump)], capture_output=True, check=True,
                          env={**os.environ}).stdout


def test_the_archive_holds_neither_the_session_key_nor_the_stored_secret(backup_env, tmp_path, vendor):
    session_key = _signed_in_session_key()
    _idempotency_answer_with_secret()

    backup = services.create_backup()

    assert backup.status == Backup.Status.OK, backup.error
    assert backup.verified, backup.error
    data = _database_bytes(backup, backup_env, tmp_path, vendor)
    assert session_key.encode() not in data
    assert SECRET.encode() not in data
    # The live database keeps both: only the copy that leaves the machine is emptied.
    assert Session.objects.filter(session_key=session_key).exists()
    assert IdempotencyRecord.objects.filter(key="create-endpoint-1").exists()


def test_the_emptied_tables_are_still_there_so_a_restore_starts_logged_out(backup_env, tmp_path, vendor):
    if vendor != "sqlite":
        pytest.skip("reads the SQLite snapshot's tables")
    _signed_in_session_key()
    _idempotency_answer_with_secret()

    backup = services.create_backup()

    db = tmp_path / "snap.db"
    with zipfile.ZipFile(backup_env / "backups" / backup.name) as zf:
        db.write_bytes(zf.read("database/chronos.db"))
    conn = sqlite3.connect(db)
    try:
        for table in services.private_tables():
            assert conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0] == 0
        assert conn.execute("SELECT count(*) FROM auth_user WHERE username = 'boss'").fetchone()[0] == 1
    finally:
        conn.close()


def test_restoring_an_older_archive_that_still_holds_sessions_starts_logged_out(backup_env, tmp_path, vendor):
    if vendor != "sqlite":
        pytest.skip("edits the SQLite snapshot inside the archive")
    from apps.backups.restore import restore
    from tests.backups.conftest import rewrite_archive

    backup = services.create_backup()
    archive = backup_env / "backups" / backup.name
    db = tmp_path / "old.db"
    with zipfile.ZipFile(archive) as zf:
        db.write_bytes(zf.read("database/chronos.db"))
    conn = sqlite3.connect(db)
    with conn:  # as an archive written before sessions were left out would hold them
        conn.execute("INSERT INTO django_session (session_key, session_data, expire_date) "
                     "VALUES ('stolen-cookie', 'x', '2999-01-01 00:00:00')")
    conn.close()
    older = tmp_path / backup.name
    rewrite_archive(archive, older, replace={"database/chronos.db": db.read_bytes()})

    live = Path(connection.settings_dict["NAME"])
    try:
        restore(older, force=True, out=lambda line: None)

        assert not Session.objects.exists()
    finally:
        # The restore keeps the replaced database beside the live one; other tests expect none.
        for kept in live.parent.glob(f"{live.name}.pre-restore-*"):
            kept.unlink()
