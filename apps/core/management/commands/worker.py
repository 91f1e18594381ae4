"""``manage.py worker``: the django-q2 cluster plus a heartbeat and the periodic schedules.

The heartbeat is written only while the cluster's sentinel process is alive, so /health
turns 503 when the worker dies even if this parent process lingers.
"""

from __future__ import annotations

import logging
import signal
import threading

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import close_old_connections
from django.utils import timezone

from apps.core import heartbeat, schedules

logger = logging.getLogger("chronos.worker")


class Command(BaseCommand):
    help = "Run the background worker (sync, outbox, e-mail, backups) with a heartbeat."

    def handle(self, *args, **options):
        from django_q.cluster import Cluster

        schedules.ensure_all()
        interval = float((settings.CHRONOS.get("worker") or {}).get("heartbeat_seconds", 5))
        started = timezone.now()
        stop = threading.Event()

        cluster = Cluster()

        def on_signal(signum, frame):
            # Only flag here: stopping the cluster inside a handler that can fire twice
            # (Ctrl-C reaches the whole process group, then SIGTERM follows) can hang.
            stop.set()

        cluster.start()
        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGINT, on_signal)
        self.stdout.write(f"worker started ({settings.Q_CLUSTER['workers']} processes, broker="
                          f"{'redis' if settings.REDIS_URL else 'database'})")
        while not stop.is_set() and cluster.sentinel is not None and cluster.sentinel.is_alive():
            try:
                heartbeat.beat(started_at=started)
            except Exception as exc:  # noqa: BLE001 - a locked or restarting DB must not kill the worker
                logger.warning("heartbeat not recorded: %s", exc)
            finally:
                close_old_connections()
            stop.wait(interval)
        if cluster.sentinel is not None and cluster.sentinel.is_alive():
            cluster.stop()
        self.stdout.write("worker stopped")
