"""SQL compiled by the ORM, kept per process for each distinct read, run on a plain cursor.

Building and compiling a queryset costs more than running it on the reads that run on every
request: ~1.4 ms for a page of the events list against ~0.3 ms of SQL. A read written as a
function of its arguments (filters as ``Q`` objects, bounds, a page's offset) is compiled once
per distinct arguments and the statement is kept: clients polling the same window compile it
once. ``Q`` objects compare and hash by their values, so two different filters never share a
statement.

With ``database.cache_compiled_reads: false`` every read is compiled again (``bench/events.py
--reads DIR --no-compiled-cache`` shows what the cache saves); the answers are the same
(``tests/events/test_compiled_reads_answer_as_compiling_each_time.py``).
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from django.core.exceptions import EmptyResultSet, FullResultSet
from django.db import connection
from django.db.models import Model, Q, QuerySet

KEPT = 1024  # statements per process (a few hundred bytes to a few KB each)


@functools.lru_cache(maxsize=KEPT)
def _kept(vendor: str, build: Callable[..., QuerySet], args: tuple) -> tuple[str, tuple]:
    return build(*args).query.sql_with_params()


def statement(build: Callable[..., QuerySet], *args) -> tuple[str, tuple]:
    """The SQL and params of ``build(*args)``, compiled once per distinct ``args``.

    ``build`` is a module-level function returning a queryset; ``args`` must be hashable and
    name everything the SQL depends on.
    """
    from chronos.config import current

    if not current().database.cache_compiled_reads:
        return build(*args).query.sql_with_params()
    return _kept(connection.vendor, build, args)


def rows(build: Callable[..., QuerySet], *args) -> list[tuple]:
    """The rows of ``build(*args)`` (a ``values_list`` queryset) as the database driver hands
    them back: the ORM's SQL on a plain cursor, without the ORM's per-value conversion."""
    sql, params = statement(build, *args)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


@functools.lru_cache(maxsize=KEPT // 4)
def _kept_where(vendor: str, model: type[Model], condition: Q) -> tuple[str, tuple]:
    query = model.objects.filter(condition).query
    try:
        sql, params = query.get_compiler(connection=connection).compile(query.where)
    except FullResultSet:
        return "", ()  # no condition at all: every row
    return sql, tuple(params)


def where(model: type[Model], condition: Q) -> tuple[str, tuple]:
    """The ORM's WHERE clause (and params) of ``condition`` over ``model``'s table, for the rare
    statement the ORM cannot write itself (kept as :func:`statement` keeps statements); empty
    when the condition holds for every row."""
    from chronos.config import current

    if not current().database.cache_compiled_reads:
        return _kept_where.__wrapped__(connection.vendor, model, condition)
    return _kept_where(connection.vendor, model, condition)


def count(model: type[Model], condition: Q) -> int:
    """How many rows of ``model`` match ``condition``: ``COUNT(*)`` over the ORM's WHERE clause
    (kept as :func:`where` keeps it; ``queryset.count()`` would compile it on every call)."""
    try:
        sql, params = where(model, condition)
    except EmptyResultSet:
        return 0  # a condition that can match nothing (an empty IN)
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {table} WHERE {sql}" if sql else f"SELECT COUNT(*) FROM {table}", params)
        return cursor.fetchone()[0]


def cache_info():
    """Hits and misses of the kept statements (for tests and diagnostics)."""
    return _kept.cache_info()


def forget() -> None:
    _kept.cache_clear()
    _kept_where.cache_clear()
