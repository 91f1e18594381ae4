"""The worker runs each registered loop in a thread and restarts one that crashed."""

from __future__ import annotations

from apps.commands.timed import run_loop
from apps.core import loops
from apps.core.management.commands.worker import StopFlag, _run_loop


def test_the_timed_actions_loop_is_registered():
    assert loops.registered()["actions"] is run_loop


def test_a_crashed_loop_is_restarted_until_a_stop_is_requested(monkeypatch):
    stop = StopFlag()
    pauses: list[float] = []
    monkeypatch.setattr(stop, "sleep", pauses.append)
    calls: list[int] = []

    def flaky(flag):
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("database is locked")
        flag.requested = True  # the second run ends normally when asked to stop

    _run_loop("flaky", flaky, stop)

    assert len(calls) == 2
    assert pauses == [5]
