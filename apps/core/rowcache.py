"""Per-process caches of small configuration tables read on hot paths.

Webhook endpoints and workflows are read for every command transition but change rarely.
Building an ORM query costs ten times more than running it, so :class:`RowCache` keeps the
loaded rows and revalidates them with one raw statement: ``COUNT(*), MAX(id), MAX(updated_at)``
of the table. Any insert, delete or save (also a rolled-back one, also in another process)
changes that fingerprint and reloads the rows, so a cached row never points at a deleted one.
Bulk ``update()`` calls, which bypass ``updated_at``, are picked up after ``ttl`` seconds.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from django.db import connection

DEFAULT_TTL = 2.0


class RowCache:
    def __init__(self, model, loader: Callable[[], list], *, ttl: float = DEFAULT_TTL) -> None:
        self._model = model
        self._loader = loader
        self._ttl = ttl
        self._local = threading.local()  # one cache per thread: rows never cross connections

    def _fingerprint(self) -> tuple:
        table = connection.ops.quote_name(self._model._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT COUNT(*), MAX(id), MAX(updated_at) FROM {table}")
            return (connection.alias, *cursor.fetchone())

    def get(self) -> list:
        state = getattr(self._local, "state", None)
        fingerprint = self._fingerprint()
        now = time.monotonic()
        if state is not None and state[0] == fingerprint and now - state[1] < self._ttl:
            return state[2]
        rows = list(self._loader())
        self._local.state = (fingerprint, now, rows)
        return rows

    def clear(self) -> None:
        self._local.state = None
