"""``manage.py start`` (what ``make run`` runs) stops web server and worker on Ctrl-C / SIGTERM."""

from __future__ import annotations

import os
import signal
import time

import pytest

from apps.core.management.commands.worker import StopFlag
from tests.core.start_process import StartProcess, group_gone


@pytest.mark.slow
@pytest.mark.parametrize("how", ["ctrl-c-burst", "sigterm-to-start"])
def test_web_server_and_worker_stop_cleanly(tmp_path, how):
    start = StartProcess(tmp_path)
    try:
        start.wait_started()
        web_server = start.web_server_pid()
        time.sleep(1)
        if how == "sigterm-to-start":
            start.proc.send_signal(signal.SIGTERM)  # as `docker stop` does
        else:
            # Ctrl-C reaches the whole process group; a burst, so some signal lands while the
            # worker and the task cluster are half-way through stopping (both used to hang).
            os.killpg(start.proc.pid, signal.SIGINT)
            for _ in range(40):
                os.killpg(start.proc.pid, signal.SIGTERM)
        assert start.proc.wait(timeout=60) == 0, start.output()[-2000:]
        assert group_gone(start.proc.pid, within=15), "a process of the group is still running"
        assert group_gone(web_server, within=1), "a web server process is still running"
        start.finish()
        output = start.output()
        assert "did not stop" not in output  # nothing had to be killed
        assert "worker stopped" in output
        assert "Chronos stopped." in output
    finally:
        start.kill()


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
