from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from apps.backups import services
from apps.backups.restore import RestoreError, restore
from apps.core import heartbeat

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def archive(backup_env) -> Path:
    backup = services.create_backup()
    return backup_env / "backups" / backup.name


def test_restore_is_refused_while_the_worker_heartbeat_is_fresh(archive):
    heartbeat.beat()

    with pytest.raises(RestoreError, match="worker's heartbeat is fresh.*--force.*Nothing was changed"):
        restore(archive, out=lambda line: None)


@pytest.mark.skipif(connection.vendor != "sqlite", reason="open-file detection is for the SQLite file")
def test_restore_is_refused_while_another_process_has_the_database_open(archive):
    live = connection.settings_dict["NAME"]
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sqlite3, sys, time\n"
         f"c = sqlite3.connect({live!r}); c.execute('SELECT count(*) FROM sqlite_master').fetchall()\n"
         "print('ready', flush=True); time.sleep(60)"],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "ready"
        with pytest.raises(RestoreError, match=rf"database file is open in process\(es\) {holder.pid} "):
            restore(archive, out=lambda line: None)
    finally:
        holder.kill()
        holder.wait()
