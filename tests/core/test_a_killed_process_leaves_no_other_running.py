"""``kill -9`` of any one process of ``manage.py start`` leaves no process of it running.

A killed worker used to leave its django-q2 cluster running (re-parented, still delivering), and a
killed ``start`` its web server and worker. Each process is killed in turn, for real.
"""

from __future__ import annotations

import os
import signal
import time

import psutil
import pytest

from tests.core.start_process import StartProcess

pytestmark = pytest.mark.slow


def _tree(start: StartProcess) -> dict[str, list[psutil.Process]]:
    """The processes of a started ``start``, by role."""
    top = psutil.Process(start.proc.pid)
    children = top.children()
    web = next(c for c in children if "granian" in " ".join(c.cmdline()))
    worker = next(c for c in children if "worker" in c.cmdline())
    sentinel = worker.children()
    assert len(sentinel) == 1, sentinel
    return {"start": [top], "web": [web], "web workers": web.children(), "worker": [worker],
            "sentinel": sentinel, "cluster": sentinel[0].children()}


def _still_running(processes: list[psutil.Process], within: float) -> list[str]:
    deadline = time.monotonic() + within
    while True:
        alive = [p for p in processes if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
        if not alive or time.monotonic() > deadline:
            return [f"{p.pid} {' '.join(p.cmdline())[:80]}" for p in alive]
        time.sleep(0.2)


@pytest.mark.parametrize("victim", ["start", "web", "worker", "sentinel"])
def test_killing_one_process_stops_all_of_them(tmp_path, victim):
    start = StartProcess(tmp_path)
    try:
        start.wait_started()
        time.sleep(1)  # the cluster has forked its workers
        tree = _tree(start)
        everyone = [p for group in tree.values() for p in group]
        assert len(tree["cluster"]) >= 3 and len(tree["web workers"]) >= 1, tree

        os.kill(tree[victim][0].pid, signal.SIGKILL)

        left = _still_running(everyone, within=45)
        assert left == [], f"still running after kill -9 of {victim}: {left}\n{start.output()[-2000:]}"
        if victim != "start":
            assert start.proc.wait(timeout=5) != 0  # start reports that a part of it died
    finally:
        start.kill()


def test_a_killed_cluster_process_is_replaced_and_a_stop_still_ends_everything(tmp_path):
    start = StartProcess(tmp_path)
    try:
        start.wait_started()
        time.sleep(1)
        tree = _tree(start)
        victim = tree["cluster"][0]
        os.kill(victim.pid, signal.SIGKILL)
        assert _still_running([victim], within=10) == []
        time.sleep(2)
        after = _tree(start)
        everyone = [p for group in after.values() for p in group] + [p for group in tree.values() for p in group]
        start.proc.send_signal(signal.SIGTERM)
        assert start.proc.wait(timeout=60) == 0, start.output()[-2000:]
        assert _still_running(everyone, within=15) == []
    finally:
        start.kill()
