"""``manage.py worker``: the django-q2 cluster plus a heartbeat and the periodic schedules.

The heartbeat is written only while the cluster's sentinel process is alive, so /health
turns 503 when the worker dies even if this parent process lingers.
"""

from __future__ import annotations

import contextlib
import logging
import signal
import threading
import time

import psutil
from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import close_old_connections, connections
from django.utils import timezone

from apps.core import heartbeat, lifeline, loops, schedules
from chronos.config import current

logger = logging.getLogger("chronos.worker")


class StopFlag:
    """Set by SIGTERM/SIGINT; the handler only assigns a boolean.

    A signal handler runs in the main thread between two bytecodes, possibly in the middle of
    ``threading.Event.wait()``, which holds the event's lock: ``Event.set()`` in the handler then
    waits for that lock forever (seen: the worker hung after Ctrl-C, and ``start`` with it).
    """

    def __init__(self) -> None:
        self.requested = False

    def on_signal(self, signum, frame) -> None:
        self.requested = True

    def sleep(self, seconds: float, *, step: float = 0.2) -> None:
        """Sleep up to ``seconds``, returning within ``step`` once a stop is requested."""
        deadline = time.monotonic() + seconds
        while not self.requested:
            left = deadline - time.monotonic()
            if left <= 0:
                return
            time.sleep(min(step, left))


CLUSTER_GRACE_SECONDS = 10  # below ``manage.py start``'s own grace period


def stop_cluster(cluster, grace: float = CLUSTER_GRACE_SECONDS) -> None:
    """Stop the django-q2 cluster, killing what is left of it after ``grace`` seconds.

    ``Cluster.stop()`` waits without a limit, and when Ctrl-C has reached the whole process
    group some of the cluster's processes are already gone: signalling the stop can then block
    for good, and the sentinel waits for their status for up to the task timeout (ten minutes).
    Tasks cut short are retried by the broker.
    """
    sentinel = cluster.sentinel
    if sentinel is None or not sentinel.is_alive():
        return
    # multiprocessing's Event.set() waits for every sleeping waiter to acknowledge; a sentinel
    # killed while waiting (Ctrl-C reaches the whole group) never does, so set it aside.
    threading.Thread(target=cluster.stop_event.set, name="cluster-stop", daemon=True).start()
    sentinel.join(grace)
    if not sentinel.is_alive():
        return
    logger.warning("the task cluster did not stop within %s s; killing it", grace)
    try:
        leftovers = psutil.Process(sentinel.pid).children(recursive=True)
    except psutil.Error:
        leftovers = []
    for proc in leftovers:
        with contextlib.suppress(psutil.Error):
            proc.kill()
    sentinel.kill()
    sentinel.join(5)


class Command(BaseCommand):
    help = "Run the background worker (sync, outbox, e-mail, backups) with a heartbeat."

    def add_arguments(self, parser):
        parser.add_argument("--parent", type=int, metavar="PID",
                            help="stop as on SIGTERM when process PID dies (set by `start`)")

    def handle(self, *args, parent: int | None = None, **options):
        from django_q.cluster import Cluster

        # The cluster's processes are forks of this one: they must not outlive it (a killed
        # worker used to leave its cluster delivering, and a restart then ran two).
        lifeline.children_die_with_me()
        schedules.ensure_all()
        interval = current().worker.heartbeat_seconds
        started = timezone.now()
        stop = StopFlag()

        # The cluster forks this process: a database connection opened above (the schedules)
        # would be one socket shared by parent and children, and the first to use or close it
        # breaks it for the others ("server closed the connection unexpectedly").
        cluster = Cluster()
        connections.close_all()
        cluster.start()
        signal.signal(signal.SIGTERM, stop.on_signal)
        signal.signal(signal.SIGINT, stop.on_signal)
        if parent is not None:
            lifeline.die_with_parent(parent, signal.SIGTERM)
        threads = [threading.Thread(target=_run_loop, args=(name, loop, stop), name=f"loop-{name}", daemon=True)
                   for name, loop in loops.registered().items()]
        for thread in threads:
            thread.start()
        self.stdout.write(f"worker started ({settings.Q_CLUSTER['workers']} processes, broker="
                          f"{'redis' if settings.REDIS_URL else 'database'})")
        self.stdout.flush()
        while not stop.requested and cluster.sentinel is not None and cluster.sentinel.is_alive():
            try:
                heartbeat.beat(started_at=started)
            except Exception as exc:  # noqa: BLE001 - a locked or restarting DB must not kill the worker
                logger.warning("heartbeat not recorded: %s", exc)
            finally:
                close_old_connections()
            stop.sleep(interval)
        stop.requested = True
        for thread in threads:
            thread.join(CLUSTER_GRACE_SECONDS)
        stop_cluster(cluster)
        try:
            heartbeat.clear()
        except Exception as exc:  # noqa: BLE001 - the beat then just goes stale, as after a crash
            logger.warning("heartbeat not cleared: %s", exc)
        self.stdout.write("worker stopped")


def _run_loop(name: str, loop, stop: StopFlag) -> None:
    """Run one registered loop until a stop is requested; a crash restarts it after a pause."""
    while not stop.requested:
        try:
            loop(stop)
        except Exception:  # noqa: BLE001 - a failing loop must not end the worker's other work
            logger.exception("loop %s failed; restarting it in 5 s", name)
            stop.sleep(5)
        finally:
            connections.close_all()  # this thread's own connections
