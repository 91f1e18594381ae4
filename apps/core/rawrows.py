"""Model instances from rows of a raw statement, converted exactly as the ORM converts them.

Hot paths (API key lookup, command claim/complete) run one short statement per request.
Compiling the ORM query (or a ``RawQuerySet``) costs ten times more than running it, so they
use plain cursors and :class:`RowLoader` turns the rows into ordinary model instances with the
backend's and the fields' own converters (aware datetimes on SQLite, decoded JSON on both).
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.db import connections
from django.db.models import Model

Converter = Callable[[Any, Any, Any], Any]


class RowLoader:
    """Loads full rows of ``model`` selected as :meth:`columns` (all concrete fields, in order)."""

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

    def select_by(self, connection, column: str) -> str:
        """``SELECT`` of :meth:`columns` for the rows whose ``column`` equals one parameter (text kept)."""
        prepared = self._prepared(connection)
        key = ("select_by", column)
        sql = prepared.get(key)
        if sql is None:
            quote = connections[connection.alias].ops.quote_name
            sql = prepared[key] = f"SELECT {prepared['columns']} FROM {prepared['table']} WHERE {quote(column)} = %s"
        return sql

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


# connection -> {model: {(inserted attnames, whether the id is returned): statement}}
_insert_statements: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


class PreparedInsertMixin:
    """Single-row ``Model.save()`` inserts from a statement built once per connection.

    Django compiles the INSERT anew for every save; for a model saved on a hot path (an event
    per API create) the compiling cost more than SQLite's insert. This mixin (put it before
    ``models.Model``) keeps the statement text and only adapts the values, as the compiler
    does: ``pre_save`` (``auto_now``), then ``get_db_prep_save``. Signals, validation and
    everything else about ``save()`` are unchanged. A value that is an expression (``F()``,
    ``Now()``) or a raw save goes the ordinary way. Not for models with file fields (their
    ``pre_save`` stores the file, and the ordinary way would run it a second time).
    """

    def _do_insert(self, manager, using, fields, returning_fields, raw):
        connection = connections[using]
        meta = fields[0].model._meta if fields else self._meta  # the table being written (a parent's too)
        pk = meta.pk
        if raw or not fields or list(returning_fields or ()) not in ([], [pk]) or pk.get_db_converters(connection):
            return super()._do_insert(manager, using, fields, returning_fields, raw)
        values = []
        for field in fields:
            value = field.pre_save(self, True)
            if hasattr(value, "resolve_expression"):
                return super()._do_insert(manager, using, fields, returning_fields, raw)
            values.append(field.get_db_prep_save(value, connection=connection))
        returning = bool(returning_fields)
        per_model = _insert_statements.setdefault(connection, {}).setdefault(meta.label, {})
        key = (tuple(f.attname for f in fields), returning)
        sql = per_model.get(key)
        if sql is None:
            quote = connection.ops.quote_name
            sql = (f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) "
                   f"VALUES ({', '.join(['%s'] * len(fields))})")
            if returning and connection.features.can_return_columns_from_insert:
                suffix, _ = connection.ops.return_insert_columns([pk])
                sql = f"{sql} {suffix}"
            per_model[key] = sql
        with connection.cursor() as cursor:
            cursor.execute(sql, values)
            if not returning:
                return []
            if connection.features.can_return_columns_from_insert:
                return [tuple(connection.ops.fetch_returned_insert_columns(cursor, ()))]
            return [(connection.ops.last_insert_id(cursor, meta.db_table, pk.column),)]
