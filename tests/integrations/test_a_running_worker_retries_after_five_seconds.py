"""A real ``manage.py worker`` sends the 5-second retry about 5 s after the failure, not at the sweep.

The only test here with a real clock: the loop's thread, the queue and the cluster together
are what keeps the promise. The tolerance is wide on purpose (a loaded machine); the minute
sweep, the old way, would come no sooner than 30 s after the worker's start.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from apps.integrations import outbox
from apps.integrations.models import OutboxMessage
from tests.integrations.test_killed_worker_mid_delivery_is_redelivered import _database_url


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_the_second_attempt_comes_five_seconds_after_the_first(settings, make_endpoint, tmp_path):
    from tests.fakes.webhook_receiver import WebhookReceiver

    config = tmp_path / "chronos.yaml"
    config.write_text("integrations:\n  outbox:\n    jitter_ratio: 0\n")
    env = {**os.environ, "CHRONOS_TESTING": "1", "DATABASE_URL": _database_url(), "SECRET_KEY": settings.SECRET_KEY,
           "CHRONOS_DATA_DIR": str(settings.DATA_DIR), "DJANGO_SETTINGS_MODULE": "chronos.settings",
           "CHRONOS_CONFIG": str(config)}
    settings.CHRONOS = {**settings.CHRONOS, "integrations": {"outbox": {"jitter_ratio": 0, "dispatch_on_commit": False}}}
    with WebhookReceiver() as receiver:
        endpoint = make_endpoint(receiver.url, event_types=["*"])
        worker = subprocess.Popen([sys.executable, "manage.py", "worker"], cwd=Path(settings.BASE_DIR), env=env,
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        lines: list[str] = []
        started = threading.Event()

        def read() -> None:
            for line in worker.stdout:
                lines.append(line)
                if "worker started" in line:
                    started.set()

        threading.Thread(target=read, daemon=True).start()
        try:
            assert started.wait(60), "".join(lines)
            receiver.script(500)
            message = outbox.enqueue(transport="webhook", event_type="x", payload={}, endpoint=endpoint)
            assert outbox.deliver_now(message.id) == "retry"  # the first attempt, here
            deadline = time.monotonic() + 20
            while len(receiver.requests) < 2 and time.monotonic() < deadline:
                time.sleep(0.05)
        finally:
            worker.terminate()
            try:
                worker.wait(30)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait()
        assert len(receiver.requests) == 2, "".join(lines)[-3000:]
        gap = receiver.requests[1].received_at - receiver.requests[0].received_at
        assert 4.0 <= gap <= 6.5, gap
        message.refresh_from_db()
        assert message.status == OutboxMessage.Status.DELIVERED
