"""Per-process caches of small configuration tables read on hot paths.

Webhook endpoints and workflows are read for every command transition but change rarely.
Building an ORM query costs ten times more than running it, so :class:`RowCache` keeps the
loaded rows and revalidates them with one raw statement: ``COUNT(*), MAX(id), MAX(updated_at)``
of the table. Any insert, delete or save (also a rolled-back one, also in another process)
changes that fingerprint and reloads the rows, so a cached row never points at a deleted one.
Bulk ``update()`` calls, which bypass ``updated_at``, are picked up after ``ttl`` seconds.

With ``database.cache_config_rows: false`` every read runs the loader (the plain ORM query):
``bench/commands.py --no-row-cache`` shows what the cache saves, and ``tests/core/test_rowcache.py``
holds its answers to the loader's.

One domain event reads several caches (the outbox's endpoints, the workflows), and a poll
emits one event per claimed command. Inside :func:`revalidate_once` (``apps.core.signals``
opens it around every emit) the first read fingerprints every cache's table in one statement
and the later reads reuse it, as if the whole batch ran at that moment. A save or delete of a
cached model in this process drops that reuse at once.
"""

from __future__ import annotations

import contextlib
import contextvars
import threading
import time
import weakref
from collections.abc import Callable, Iterator

from django.db import connection
from django.db.models.signals import post_delete, post_save

from chronos.config import current

DEFAULT_TTL = 2.0

# alias -> {cache: fingerprint}, while a revalidate_once() block is open (None outside).
_scope: contextvars.ContextVar[dict | None] = contextvars.ContextVar("chronos_rowcache_scope", default=None)
_caches: weakref.WeakSet[RowCache] = weakref.WeakSet()


@contextlib.contextmanager
def revalidate_once() -> Iterator[None]:
    """Within the block, each cache checks its table at most once (all of them in one statement)."""
    if _scope.get() is not None:
        yield
        return
    token = _scope.set({})
    try:
        yield
    finally:
        _scope.reset(token)


def _fingerprint_all() -> dict[RowCache, tuple]:
    """Every live cache's fingerprint from one statement: a row of single-row aggregates."""
    caches = list(_caches)
    quote = connection.ops.quote_name
    parts = [
        f"(SELECT COUNT(*), MAX(id), MAX(updated_at) FROM {quote(cache._model._meta.db_table)}) AS t{index}"
        for index, cache in enumerate(caches)
    ]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {', '.join(parts)}")
        row = cursor.fetchone()
    return {cache: (connection.alias, *row[3 * index : 3 * index + 3]) for index, cache in enumerate(caches)}


def _forget_scope(sender, **kwargs) -> None:
    scope = _scope.get()
    if scope:
        scope.clear()


class RowCache:
    def __init__(self, model, loader: Callable[[], list], *, ttl: float = DEFAULT_TTL) -> None:
        self._model = model
        self._loader = loader
        self._ttl = ttl
        self._local = threading.local()  # one cache per thread: rows never cross connections
        _caches.add(self)
        uid = f"core:rowcache:{model._meta.label_lower}"
        post_save.connect(_forget_scope, sender=model, dispatch_uid=f"{uid}:save", weak=False)
        post_delete.connect(_forget_scope, sender=model, dispatch_uid=f"{uid}:delete", weak=False)

    def _fingerprint(self) -> tuple:
        scope = _scope.get()
        if scope is not None:
            known = scope.get(connection.alias)
            if known is None or self not in known:
                known = scope[connection.alias] = _fingerprint_all()
            return known[self]
        table = connection.ops.quote_name(self._model._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT COUNT(*), MAX(id), MAX(updated_at) FROM {table}")
            return (connection.alias, *cursor.fetchone())

    def get(self) -> list:
        if not current().database.cache_config_rows:
            return list(self._loader())
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
