"""The outbox's retry timer: a retry is handed to the task queue when it falls due.

The schedule says "again in 5 s"; the minute sweep alone kept that promise only to the
minute. This loop runs in a thread of each ``manage.py worker`` process
(:mod:`apps.core.loops`). It sleeps until the earliest pending retry falls due, then
queues a delivery task for each due retry; the task claims the row as usual, so a message
handed over twice (by two workers, or by the timer and the sweep) is still sent once.

A retry may be written at any moment by any process (the delivering task, another machine),
and nothing tells this loop, so it never sleeps longer than :data:`LOOK_AGAIN_SECONDS`
before asking again: one indexed lookup of the earliest due time. A retry is therefore
handed over within about that long of its time when it is scheduled less than that ahead
(a ``Retry-After: 0``), and at its time otherwise; the queue adds its own pick-up delay
(``poll`` of the database broker: 0.5 s). The minute sweep still catches anything missed.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta

from django.db import close_old_connections
from django.utils import timezone

from apps.integrations import outbox
from chronos.config import current

logger = logging.getLogger(__name__)

LOOK_AGAIN_SECONDS = 1.0


class RetryTimer:
    """Hands due retries to the queue; remembers what it handed over so it does so once."""

    def __init__(self) -> None:
        # id -> the due time it was handed over for; a new failure gives the row a new time.
        self.handed: dict[uuid.UUID, datetime] = {}

    def tick(self, now: datetime | None = None) -> float:
        """Hand over what is due; return how long to sleep before the next tick (seconds)."""
        now = now or timezone.now()
        for message_id, due in outbox.due_retries(now=now, limit=current().integrations.outbox.batch_size):
            if self.handed.get(message_id) == due:
                continue  # queued already; the task has not claimed it yet
            outbox.queue_delivery(message_id)
            self.handed[message_id] = due
        self._forget(now)
        upcoming = outbox.next_retry_due(after=now)
        if upcoming is None:
            return LOOK_AGAIN_SECONDS
        return min(LOOK_AGAIN_SECONDS, max((upcoming - now).total_seconds(), 0.0))

    def _forget(self, now: datetime) -> None:
        # A hand-over its task has not settled within a lease is handed over again.
        stale = now - timedelta(seconds=current().integrations.outbox.lease_seconds)
        self.handed = {k: v for k, v in self.handed.items() if v > stale}


def run(stop) -> None:
    """The worker loop (registered in ``IntegrationsConfig.ready``)."""
    timer = RetryTimer()
    while not stop.requested:
        try:
            wait = timer.tick()
        finally:
            close_old_connections()
        if wait > 0:
            stop.sleep(wait)
