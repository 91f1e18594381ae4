"""Real processes on a SQLite file of their own: migrate, backup, restore, as an operator runs them."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.db import connection

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite round trip; PostgreSQL has its own"),
]
SKIP_IN_COMPARISON = {"backups_backup", "django_migrations", "django_session"}


def _manage(data_dir: Path, config: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "CHRONOS_TESTING")}
    env.update(CHRONOS_DATA_DIR=str(data_dir), CHRONOS_CONFIG=str(config), SECRET_KEY="x" * 40)
    # restore runs no system checks by design (it must work on a broken install); the others skip them here.
    extra = [] if args[0] == "restore" else ["--skip-checks"]
    result = subprocess.run([sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), *args, *extra],
                            env=env, capture_output=True, text=True, timeout=120)
    return result


def _tables(db: Path) -> dict[str, list[tuple]]:
    conn = sqlite3.connect(db)
    try:
        names = [r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
        return {n: sorted(conn.execute(f'SELECT * FROM "{n}"').fetchall(), key=repr)
                for n in names if n not in SKIP_IN_COMPARISON}
    finally:
        conn.close()


def test_backup_then_restore_brings_back_every_table_and_migrates_an_older_schema(tmp_path):
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    (data_dir / "uploads").mkdir()
    (data_dir / "uploads" / "note.txt").write_text("original")
    (tmp_path / "plugins").mkdir()
    config = tmp_path / "chronos.yaml"
    config.write_text(yaml.safe_dump({"plugins": {"enabled": [], "custom_dir": str(tmp_path / "plugins")},
                                      "backups": {"keep_daily": 7}}))
    db = data_dir / "chronos.db"

    migrated = _manage(data_dir, config, "migrate", "--verbosity", "0")
    assert migrated.returncode == 0, migrated.stderr

    conn = sqlite3.connect(db)
    with conn:
        conn.executemany(
            "INSERT INTO auth_user (password, is_superuser, username, first_name, last_name, email, is_staff, "
            "is_active, date_joined) VALUES ('!', 0, ?, '', '', '', 0, 1, '2025-01-01 00:00:00')",
            [(f"user{i}",) for i in range(50)],
        )
        conn.execute("INSERT INTO auth_group (name) VALUES ('before')")
        # An older schema: as if the sessions app had not been migrated yet when the backup was taken.
        conn.execute("DELETE FROM django_migrations WHERE app = 'sessions'")
        conn.execute("DROP TABLE django_session")
    conn.close()
    at_backup = _tables(db)

    backed_up = _manage(data_dir, config, "backup")
    assert backed_up.returncode == 0, backed_up.stderr
    assert "wrote " in backed_up.stdout and "verified" in backed_up.stdout
    archive = next((data_dir / "backups").glob("chronos-*.zip"))

    conn = sqlite3.connect(db)
    with conn:
        conn.execute("DELETE FROM auth_user")
        conn.execute("INSERT INTO auth_group (name) VALUES ('after')")
    conn.close()
    (data_dir / "uploads" / "note.txt").write_text("changed")

    restored = _manage(data_dir, config, "restore", str(archive))

    assert restored.returncode == 0, restored.stderr
    out = restored.stdout
    for expected in ("verified chronos-", "kept the current database as", "put the snapshot in place",
                     "applying 1 migration(s)", "integrity check of the restored database: ok", "restore finished"):
        assert expected in out, out
    assert _tables(db) == at_backup
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT count(*) FROM django_migrations WHERE app='sessions'").fetchone()[0] >= 1
    assert conn.execute("SELECT count(*) FROM django_session").fetchone()[0] == 0
    assert conn.execute("SELECT status FROM backups_backup").fetchall() == [("ok",)]
    conn.close()
    kept = list(data_dir.glob("chronos.db.pre-restore-*"))
    assert len(kept) == 1
    old = sqlite3.connect(kept[0])
    assert old.execute("SELECT name FROM auth_group ORDER BY name").fetchall() == [("after",), ("before",)]
    old.close()
    assert (data_dir / "uploads" / "note.txt").read_text() == "original"
    assert (next(data_dir.glob("uploads.pre-restore-*")) / "note.txt").read_text() == "changed"
    assert not list(data_dir.glob(".restore-*"))
