"""Liveness of the worker: it writes a row every few seconds; /health reads its age."""

from __future__ import annotations

import os
import socket
from datetime import datetime, timedelta

from django.utils import timezone

from apps.core.models import Heartbeat
from chronos.config import current

WORKER = "worker"


def beat(name: str = WORKER, *, kind: str = "worker", started_at: datetime | None = None) -> None:
    now = timezone.now()
    Heartbeat.objects.update_or_create(
        name=name,
        defaults={
            "kind": kind,
            "hostname": socket.gethostname(),
            "pid": os.getpid(),
            "started_at": started_at or now,
            "last_seen": now,
        },
    )


# When this process started: a web process that has just started gives the worker one stale
# interval to send its first heartbeat before /health calls it down.
PROCESS_STARTED = timezone.now()


def clear(name: str = WORKER) -> None:
    """Forget this process's heartbeat on a clean stop.

    A stopped worker is not running: leaving its last beat behind made /health say "ok" and
    restore refuse ("heartbeat is fresh") for up to ``heartbeat_stale_seconds`` after the stop.
    Only this process's own row goes, so a second worker sharing the name keeps its beat.
    """
    Heartbeat.objects.filter(name=name, hostname=socket.gethostname(), pid=os.getpid()).delete()


def stale_after() -> timedelta:
    return timedelta(seconds=current().worker.heartbeat_stale_seconds)


def status(name: str = WORKER, now: datetime | None = None) -> dict:
    now = now or timezone.now()
    row = Heartbeat.objects.filter(name=name).first()
    if row is None:
        if now - PROCESS_STARTED < stale_after():
            # Just started: the worker has had no time to beat yet. Not an error.
            return {"status": "starting", "detail": "waiting for the worker's first heartbeat", "last_seen": None}
        return {"status": "down", "detail": "no heartbeat recorded (not started yet, or stopped cleanly)", "last_seen": None}
    age = (now - row.last_seen).total_seconds()
    healthy = age <= stale_after().total_seconds()
    return {
        "status": "ok" if healthy else "down",
        "last_seen": row.last_seen.isoformat().replace("+00:00", "Z"),
        "age_seconds": round(age, 1),
        "limit_seconds": int(stale_after().total_seconds()),
    }


def alive(name: str = WORKER, now: datetime | None = None) -> bool:
    return status(name, now)["status"] == "ok"
