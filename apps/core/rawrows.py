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
