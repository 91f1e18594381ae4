"""Claim and complete: the two writes every poller makes for every command.

Each has its standard ORM form and a single ``UPDATE … RETURNING`` statement that does the same
in one round trip (the ORM form needs a select, an update and a re-read for a claim). The single
statement is used while ``commands.single_statement_queries`` is true, the default;
``bench/commands.py --standard`` switches it off to show what it saves, and
``tests/commands/test_single_statement_queries_answer_as_the_orm.py`` holds both forms to the
same answers. Both run inside the caller's transaction: on PostgreSQL the candidate rows are
locked with ``FOR UPDATE SKIP LOCKED`` so concurrent polls take disjoint rows; on SQLite the
IMMEDIATE transaction already holds the write lock. The ``status`` re-check guards either way.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any

from django.db import connection, connections
from django.db.models import Model

from apps.commands.models import Command
from chronos.config import current

Status = Command.Status
Converter = Callable[[Any, Any, Any], Any]
_RESULT_FIELD = Command._meta.get_field("result")


def claim_rows(*, system: str, limit: int, now: datetime, lease_until: datetime) -> list[Command]:
    """Move up to ``limit`` due PENDING commands of ``system`` to PROCESSING; the moved ones, oldest first."""
    if current().commands.single_statement_queries:
        return _claim_in_one_statement(system, limit, now, lease_until)
    due = (Command.objects.filter(target_system=system, status=Status.PENDING, available_at__lte=now)
           .order_by("id").select_for_update(skip_locked=True))
    ids = list(due.values_list("id", flat=True)[:limit])
    if not ids:
        return []
    Command.objects.filter(id__in=ids, status=Status.PENDING).update(
        status=Status.PROCESSING, timeout_at=lease_until, processed_at=now, updated_at=now)
    return list(Command.objects.filter(id__in=ids, status=Status.PROCESSING, processed_at=now).order_by("id"))


def complete_row(*, command_id: int, result: Any, now: datetime) -> Command | None:
    """PROCESSING -> COMPLETED for that command; the completed row, or None when it was not PROCESSING."""
    if current().commands.single_statement_queries:
        return _complete_in_one_statement(command_id, result, now)
    done = Command.objects.filter(pk=command_id, status=Status.PROCESSING).update(
        status=Status.COMPLETED, result=result, completed_at=now, updated_at=now, timeout_at=None)
    return Command.objects.get(pk=command_id) if done else None


class RowLoader:
    """Model instances from full rows of ``model`` selected as :meth:`columns`, converted exactly
    as the ORM converts them (aware datetimes on SQLite, decoded JSON on both)."""

    def __init__(self, model: type[Model]) -> None:
        self.model = model
        self.fields = list(model._meta.concrete_fields)
        self.attnames = [f.attname for f in self.fields]
        # Converters and column lists hold backend callables, so they are kept per connection
        # object (one per thread), and dropped with it.
        self._per_connection: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    def _prepared(self, connection) -> dict[str, Any]:
        connection = connections[connection.alias]  # the wrapper itself, not ``django.db.connection``'s proxy
        prepared = self._per_connection.get(connection)
        if prepared is None:
            table = connection.ops.quote_name(self.model._meta.db_table)
            quoted = [connection.ops.quote_name(f.column) for f in self.fields]
            converters: list[tuple[int, Any, list[Converter]]] = []
            for index, field in enumerate(self.fields):
                col = field.get_col(self.model._meta.db_table)
                funcs = connection.ops.get_db_converters(col) + col.get_db_converters(connection)
                if funcs:
                    converters.append((index, col, funcs))
            prepared = {
                "table": table,
                "columns": ", ".join(quoted),
                "qualified": ", ".join(f"{table}.{name}" for name in quoted),
                "converters": converters,
            }
            self._per_connection[connection] = prepared
        return prepared

    def table(self, connection) -> str:
        """The quoted table name."""
        return self._prepared(connection)["table"]

    def columns(self, connection, *, qualified: bool = False) -> str:
        """The select list (``RETURNING`` list) that :meth:`load` expects."""
        return self._prepared(connection)["qualified" if qualified else "columns"]

    def load(self, connection, rows: Iterable[Sequence[Any]]) -> list[Model]:
        """Model instances (as from a queryset: ``_state.adding`` false, ``_state.db`` set)."""
        converters = self._prepared(connection)["converters"]
        alias = connection.alias
        instances = []
        for row in rows:
            values = list(row)
            for index, col, funcs in converters:
                value = values[index]
                for func in funcs:
                    value = func(value, col, connection)
                values[index] = value
            instances.append(self.model.from_db(alias, self.attnames, values))
        return instances


_rows = RowLoader(Command)


def _dt(value: datetime):
    return connection.ops.adapt_datetimefield_value(value)


def _fetch(sql: str, params: list[Any]) -> list[Command]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return sorted(_rows.load(connection, rows), key=lambda c: c.pk)


def _claim_in_one_statement(system: str, limit: int, now: datetime, lease_until: datetime) -> list[Command]:
    table = _rows.table(connection)
    sets = "status = %s, timeout_at = %s, processed_at = %s, updated_at = %s"
    set_params = [Status.PROCESSING, _dt(lease_until), _dt(now), _dt(now)]
    pick = f"SELECT id FROM {table} WHERE target_system = %s AND status = %s AND available_at <= %s ORDER BY id LIMIT %s"
    pick_params = [system, Status.PENDING, _dt(now), limit]
    if connection.vendor == "postgresql":
        # A materialised CTE: an IN (subquery … LIMIT … SKIP LOCKED) may be re-evaluated by the
        # planner and then update more than ``limit`` rows.
        sql = (f"WITH picked AS MATERIALIZED ({pick} FOR UPDATE SKIP LOCKED) "
               f"UPDATE {table} SET {sets} FROM picked WHERE {table}.id = picked.id AND {table}.status = %s "
               f"RETURNING {_rows.columns(connection, qualified=True)}")
        return _fetch(sql, [*pick_params, *set_params, Status.PENDING])
    sql = f"UPDATE {table} SET {sets} WHERE id IN ({pick}) AND status = %s RETURNING {_rows.columns(connection)}"
    return _fetch(sql, [*set_params, *pick_params, Status.PENDING])


def _complete_in_one_statement(command_id: int, result: Any, now: datetime) -> Command | None:
    sql = (f"UPDATE {_rows.table(connection)} SET status = %s, result = %s, completed_at = %s, updated_at = %s, "
           f"timeout_at = NULL WHERE id = %s AND status = %s RETURNING {_rows.columns(connection)}")
    params = [Status.COMPLETED, _RESULT_FIELD.get_db_prep_value(result, connection), _dt(now), _dt(now),
              command_id, Status.PROCESSING]
    rows = _fetch(sql, params)
    return rows[0] if rows else None
