"""``manage.py start`` (what ``make run`` runs) stops web server and worker on Ctrl-C / SIGTERM."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time

import pytest
from django.conf import settings

from apps.core.management.commands.worker import StopFlag


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _group_gone(pgid: int, within: float) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.1)
    return False


@pytest.mark.slow
@pytest.mark.parametrize("how", ["ctrl-c-burst", "sigterm-to-start"])
def test_web_server_and_worker_stop_cleanly(tmp_path, how):
    env = {**os.environ, "CHRONOS_DATA_DIR": str(tmp_path), "DATABASE_URL": f"sqlite:///{tmp_path}/chronos.db",
           "REDIS_URL": "", "CHRONOS_HOST": "127.0.0.1", "CHRONOS_PORT": str(_free_port()),
           "CHRONOS_ADMIN_PASSWORD": "stop-test-password"}
    for name in ("DJANGO_SETTINGS_MODULE", "CHRONOS_TEST_DB_SUFFIX", "CHRONOS_TESTING"):
        env.pop(name, None)
    proc = subprocess.Popen([sys.executable, "manage.py", "start"], cwd=settings.BASE_DIR, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    lines: list[str] = []
    started = threading.Event()

    def read() -> None:
        for line in proc.stdout:
            lines.append(line)
            if "worker started" in line:
                started.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        assert started.wait(120), "".join(lines)[-2000:]
        time.sleep(1)
        if how == "sigterm-to-start":
            proc.send_signal(signal.SIGTERM)  # as `docker stop` does
        else:
            # Ctrl-C reaches the whole process group; a burst, so some signal lands while the
            # worker and the task cluster are half-way through stopping (both used to hang).
            os.killpg(proc.pid, signal.SIGINT)
            for _ in range(40):
                os.killpg(proc.pid, signal.SIGTERM)
        assert proc.wait(timeout=60) == 0, "".join(lines)[-2000:]
        assert _group_gone(proc.pid, within=15), "a process of the group is still running"
        reader.join(timeout=5)
        output = "".join(lines)
        assert "worker stopped" in output
        assert "Chronos stopped." in output
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def test_the_stop_flag_ends_a_sleep_early_and_takes_no_lock():
    flag = StopFlag()
    previous = signal.signal(signal.SIGALRM, flag.on_signal)
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.3)
        began = time.monotonic()
        flag.sleep(10, step=0.05)
        assert flag.requested
        assert time.monotonic() - began < 2
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
