"""Fast bulk writes for the sync: plain ``executemany`` statements built from model metadata.

The ORM's ``bulk_create``/``bulk_update`` spend most of their time compiling per-value SQL
(``bulk_update`` on SQLite even builds one CASE per column and row); a full sync writes tens of
thousands of rows, so this module prepares each column's converter once and hands whole
batches to the driver. Column lists, defaults and value adaptation still come from the model,
so fields added later by other apps (with defaults) are filled in without touching this code.
No model signals fire — exactly like ``bulk_create`` — which is what the sync wants.

A shortcut past the ORM: ``sync.prepared_bulk_writes: false`` writes the same rows with
``bulk_create``/``bulk_update``; ``bench/sync.py --standard-writes`` measures that and
``tests/sync/test_bulk_writes_answer_as_the_orm.py`` holds both to the same stored columns.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.db import connection, connections, models, router

from chronos.config import current


def _sqlite_utc_text(value):
    """What the SQLite backend's ``adapt_datetimefield_value`` stores for a datetime (UTC text).

    The same string (``str`` of the naive UTC datetime) without the backend's generic checks:
    a full sync adapts five datetimes per row and the checks were a fifth of its time.
    Anything but an aware datetime takes the backend's own path (and its errors).
    """
    if type(value) is datetime and value.tzinfo is not None:
        return str(value.astimezone(UTC).replace(tzinfo=None))
    return connection.ops.adapt_datetimefield_value(value)


class RowWriter:
    """Insert, update or upsert plain dict rows (keyed by attname) into ``model``'s table."""

    def __init__(self, model: type[models.Model], *, now: datetime) -> None:
        self.model = model
        self.connection = connections[router.db_for_write(model)]
        ops = self.connection.ops
        self.table = ops.quote_name(model._meta.db_table)
        self.fields = [f for f in model._meta.concrete_fields if not (f.primary_key and isinstance(f, models.AutoField))]
        self.columns = {f.attname: f.column for f in self.fields}
        self.convert: dict[str, Callable[[Any], Any]] = {f.attname: self._converter(f) for f in self.fields}
        self.defaults: dict[str, Any] = {}
        for f in self.fields:
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                value = now
            elif f.has_default():
                value = f.get_default()
            else:
                value = None
            self.defaults[f.attname] = self.convert[f.attname](value)

    def _converter(self, field: models.Field) -> Callable[[Any], Any]:
        ops = self.connection.ops
        if isinstance(field, models.DateTimeField):
            if self.connection.vendor == "sqlite" and settings.USE_TZ and self.connection.timezone == UTC:
                return _sqlite_utc_text
            return ops.adapt_datetimefield_value
        if isinstance(field, models.DateField):
            return ops.adapt_datefield_value
        if isinstance(field, models.JSONField):
            encoder = field.encoder
            return lambda value: None if value is None else ops.adapt_json_value(value, encoder)
        return lambda value: value

    def _manager(self):
        return self.model._default_manager.db_manager(self.connection.alias)

    def _instance(self, row: dict[str, Any]) -> models.Model:
        """The row as a model instance (the standard path; ``bulk_create`` stamps auto_now fields)."""
        return self.model(**row)

    def _quote(self, attname: str) -> str:
        return self.connection.ops.quote_name(self.columns[attname])

    def _row(self, row: dict[str, Any]) -> list[Any]:
        convert, defaults = self.convert, self.defaults
        return [convert[name](row[name]) if name in row else defaults[name] for name in self.columns]

    def _execute(self, sql: str, params: Iterable[list[Any]]) -> None:
        params = list(params)
        if params:
            with self.connection.cursor() as cursor:
                cursor.executemany(sql, params)

    def insert(self, rows: list[dict[str, Any]]) -> None:
        if not current().sync.prepared_bulk_writes:
            self._manager().bulk_create([self._instance(r) for r in rows], batch_size=500)
            return
        cols = ", ".join(self._quote(name) for name in self.columns)
        marks = ", ".join(["%s"] * len(self.columns))
        self._execute(f"INSERT INTO {self.table} ({cols}) VALUES ({marks})", (self._row(r) for r in rows))

    def update(self, rows: list[dict[str, Any]], fields: list[str]) -> None:
        """``rows`` carry ``id`` plus every name in ``fields``."""
        if not current().sync.prepared_bulk_writes:
            if rows:
                self._manager().bulk_update([self.model(**r) for r in rows], fields, batch_size=500)
            return
        sets = ", ".join(f"{self._quote(name)} = %s" for name in fields)
        pk = self.connection.ops.quote_name(self.model._meta.pk.column)
        convert = self.convert
        self._execute(f"UPDATE {self.table} SET {sets} WHERE {pk} = %s",
                      ([convert[name](r[name]) for name in fields] + [r["id"]] for r in rows))

    def upsert(self, rows: list[dict[str, Any]], *, conflict: list[str], fields: list[str]) -> None:
        """Insert, or update ``fields`` where a row with the same ``conflict`` columns exists."""
        if not current().sync.prepared_bulk_writes:
            if rows:
                self._manager().bulk_create([self._instance(r) for r in rows], batch_size=500, update_conflicts=True,
                                            unique_fields=conflict, update_fields=fields)
            return
        cols = ", ".join(self._quote(name) for name in self.columns)
        marks = ", ".join(["%s"] * len(self.columns))
        target = ", ".join(self._quote(name) for name in conflict)
        sets = ", ".join(f"{self._quote(name)} = excluded.{self._quote(name)}" for name in fields)
        self._execute(f"INSERT INTO {self.table} ({cols}) VALUES ({marks}) ON CONFLICT ({target}) DO UPDATE SET {sets}",
                      (self._row(r) for r in rows))
