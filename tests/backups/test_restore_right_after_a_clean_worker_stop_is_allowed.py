"""A worker that stopped cleanly leaves no fresh heartbeat: restore need not wait a minute."""

from __future__ import annotations

import signal
import time

import pytest

from apps.backups import services
from apps.backups.guard import running_reasons
from apps.core import heartbeat
from apps.core.models import Heartbeat
from tests.core.worker_process import WorkerProcess

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def test_a_clean_stop_clears_the_heartbeat_so_restore_is_not_refused(backup_env, tmp_path):
    from django.db import connection

    services.create_backup()
    worker = WorkerProcess(tmp_path / "worker-data")
    try:
        worker.wait_started()
        deadline = time.monotonic() + 30
        while not heartbeat.alive() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert heartbeat.alive(), worker.output()[-2000:]
        worker.proc.send_signal(signal.SIGTERM)
        assert worker.proc.wait(timeout=30) == 0, worker.output()[-2000:]
    finally:
        worker.kill()
    assert "worker stopped" in worker.output()
    assert not Heartbeat.objects.filter(name=heartbeat.WORKER).exists()
    assert heartbeat.status()["status"] in ("down", "starting")  # "starting" while this process is young
    assert running_reasons(connection) == []


def test_a_stop_leaves_the_heartbeat_of_another_worker_alone(db):
    from django.utils import timezone

    Heartbeat.objects.create(name=heartbeat.WORKER, hostname="elsewhere", pid=1, last_seen=timezone.now())
    heartbeat.clear()
    assert heartbeat.alive()
