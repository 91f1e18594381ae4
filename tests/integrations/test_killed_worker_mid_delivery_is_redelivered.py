"""A worker process dies (SIGKILL) while a receiver holds its request open: nothing is lost."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.db import connection

from apps.integrations import outbox
from apps.integrations.models import OutboxMessage

ROOT = Path(settings.BASE_DIR)
WORKER = """
import django
django.setup()
from apps.integrations import outbox
outbox.sweep(max_seconds=60)
"""


def _database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_during_delivery_leads_to_redelivery_with_the_same_id(settings, make_endpoint):
    from tests.fakes.webhook_receiver import WebhookReceiver

    # Only the separate worker process delivers: no inline delivery on commit in this test.
    settings.CHRONOS = {**settings.CHRONOS, "integrations": {"outbox": {"dispatch_on_commit": False}}}
    with WebhookReceiver(hang=True) as receiver:
        endpoint = make_endpoint(receiver.url, event_types=["*"])
        worker_env = {"CHRONOS_TESTING": "1", "DATABASE_URL": _database_url(), "SECRET_KEY": settings.SECRET_KEY,
                      "CHRONOS_DATA_DIR": str(settings.DATA_DIR), "DJANGO_SETTINGS_MODULE": "chronos.settings"}
        message = outbox.enqueue(transport="webhook", event_type="x", payload={"n": 1}, endpoint=endpoint)

        worker = subprocess.Popen([sys.executable, "-c", WORKER], cwd=ROOT, env={**os.environ, **worker_env})
        try:
            assert receiver.wait_until_hanging(timeout=30), "the worker never reached the receiver"
            os.kill(worker.pid, signal.SIGKILL)
            assert worker.wait(timeout=10) == -signal.SIGKILL
        finally:
            if worker.poll() is None:
                worker.kill()
        receiver.hang = False
        receiver.release()

        message.refresh_from_db()
        assert message.status == OutboxMessage.Status.DELIVERING
        assert outbox.sweep(max_seconds=5) == {}  # the dead worker's lease still holds

        with time_machine.travel(message.claimed_until + timedelta(seconds=1)):
            assert outbox.sweep(max_seconds=5) == {"delivered": 1}

        message.refresh_from_db()
        assert message.status == OutboxMessage.Status.DELIVERED
        assert [r.headers["webhook-id"] for r in receiver.requests] == [str(message.id)] * 2
        assert receiver.requests[0].body == receiver.requests[1].body
        assert list(message.delivery_attempts.values_list("number", "outcome")) == [(1, "lost"), (2, "delivered")]
