"""The audit mechanism: register a model once, every save/delete is recorded.

Apps call :func:`register` in ``AppConfig.ready``; the admin and the API both go through
``Model.save``/``delete``, so neither needs per-view audit code. Explicit actions that are
not plain saves (claims, reschedules, logins) use :func:`record`.
"""

from __future__ import annotations

import json
import weakref
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connections, router
from django.db.models.signals import post_delete, post_save, pre_save
from django.utils import timezone

from apps.audit import actor as audit_actor
from apps.audit.models import AuditEntry

_registry: dict[type, dict[str, Any]] = {}
_OLD = "_audit_old_values"


_ENCODER = DjangoJSONEncoder()
_PLAIN = {str, int, float, bool, type(None)}


def _jsonable(value: Any) -> Any:
    """``value`` as ``json.loads(json.dumps(value, cls=DjangoJSONEncoder))`` would give it back.

    Every save of an audited model snapshots its fields; converting them directly instead of
    encoding and decoding the whole dict halves the cost of an audited create.
    """
    kind = type(value)
    if kind in _PLAIN:
        return value
    if isinstance(value, bool):
        return bool(value)
    if isinstance(value, str):  # e.g. a TextChoices member: JSON keeps only its text
        return str.__str__(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        if all(isinstance(k, str) for k in value):
            return {k: _jsonable(v) for k, v in value.items()}
        return json.loads(json.dumps(value, cls=DjangoJSONEncoder))  # JSON's own spelling of odd keys
    return _jsonable(_ENCODER.default(value))


def snapshot(instance, exclude: frozenset[str]) -> dict[str, Any]:
    values = {}
    for field in instance._meta.concrete_fields:
        if field.name in exclude:
            continue
        values[field.attname if field.is_relation else field.name] = field.value_from_object(instance)
    return _jsonable(values)


def entity_name(model) -> str:
    return _registry.get(model, {}).get("entity") or model._meta.label_lower


# ``record`` runs on every command transition. One prepared INSERT per connection instead of
# ``objects.create``: building the ORM insert cost ten times more than executing it. The values
# are adapted as the fields would adapt them; ``changes`` is encoded once, with the same
# DjangoJSONEncoder that ``_jsonable`` applies for the returned entry.
_INSERT_COLUMNS = ["ts", "actor", "actor_name", "scope", "action", "entity", "entity_id", "changes", "ip", "request_id"]
_INSERT_FIELDS = [AuditEntry._meta.get_field(name) for name in _INSERT_COLUMNS]
assert {f.name for f in AuditEntry._meta.concrete_fields if not f.primary_key} == set(_INSERT_COLUMNS), (
    "AuditEntry gained a column: add it to _INSERT_COLUMNS and _values()"
)
_insert_sql: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _insert_statement(connection) -> str:
    sql = _insert_sql.get(connection)
    if sql is None:
        quote = connection.ops.quote_name
        sql = (
            f"INSERT INTO {quote(AuditEntry._meta.db_table)} ({', '.join(quote(f.column) for f in _INSERT_FIELDS)}) "
            f"VALUES ({', '.join(['%s'] * len(_INSERT_FIELDS))})"
        )
        _insert_sql[connection] = sql
    return sql


def _values(ctx: audit_actor.AuditContext, action: str, entity: str, entity_id: Any, changes_db: Any, ts_db: Any) -> list:
    """Statement parameters in ``_INSERT_COLUMNS`` order, cut to the column lengths."""
    return [
        ts_db,
        ctx.actor[:100],
        ctx.actor_name[:150],
        ctx.scope[:500],
        action,
        entity,
        str(entity_id),
        changes_db,
        ctx.ip[:45],
        ctx.request_id,
    ]


def _adapted(changes: Any, ts, connection) -> tuple[Any, Any]:
    ops = connection.ops
    return ops.adapt_json_value(changes, DjangoJSONEncoder), ops.adapt_datetimefield_value(ts)


def _insert(action: str, entity: str, entity_id: Any, changes: dict, *,
            returning: bool = True) -> tuple[Any, Any, list, Any]:
    """Write one entry; returns (connection, its timestamp, the statement parameters, its id or None)."""
    ctx = audit_actor.current()
    ts = timezone.now()
    connection = connections[router.db_for_write(AuditEntry)]
    params = _values(ctx, action, entity, entity_id, *_adapted(changes, ts, connection))
    sql = _insert_statement(connection)
    pk = None
    with connection.cursor() as cursor:
        if not returning:
            cursor.execute(sql, params)
        elif connection.features.can_return_columns_from_insert:
            cursor.execute(f"{sql} RETURNING {connection.ops.quote_name('id')}", params)
            pk = cursor.fetchone()[0]
        else:
            cursor.execute(sql, params)
            pk = connection.ops.last_insert_id(cursor, AuditEntry._meta.db_table, "id")
    return connection, ts, params, pk


def record(*, action: str, entity: str, entity_id: Any, changes: dict | None = None) -> AuditEntry:
    """Append one entry naming the current actor (see ``apps.audit.actor``); returns it saved."""
    changes = changes or {}
    connection, ts, params, pk = _insert(action, entity, entity_id, changes)
    return AuditEntry.from_db(
        connection.alias,
        ["id", *_INSERT_COLUMNS],
        [pk, ts, *params[1:7], _jsonable(changes), *params[8:]],
    )


def record_many(*, action: str, entity: str, entity_ids: list[Any], changes: dict | None = None) -> None:
    """The same entry for several entities (e.g. every command of one claim) in one statement."""
    if not entity_ids:
        return
    ctx = audit_actor.current()
    connection = connections[router.db_for_write(AuditEntry)]
    adapted = _adapted(changes or {}, timezone.now(), connection)
    with connection.cursor() as cursor:
        cursor.executemany(
            _insert_statement(connection), [_values(ctx, action, entity, pk, *adapted) for pk in entity_ids]
        )


def _on_pre_save(sender, instance, raw=False, **kwargs):
    if raw or instance.pk is None or instance._state.adding:
        return
    opts = _registry[sender]
    old = sender._default_manager.filter(pk=instance.pk).first()
    if old is not None:
        setattr(instance, _OLD, snapshot(old, opts["exclude"]))


def _on_post_save(sender, instance, created, raw=False, **kwargs):
    if raw:
        return
    opts = _registry[sender]
    new = snapshot(instance, opts["exclude"])
    old = instance.__dict__.pop(_OLD, None)
    if created or old is None:
        changes = {k: [None, v] for k, v in new.items() if v not in (None, "", [], {})}
        action = "create"
    else:
        changes = {k: [old.get(k), v] for k, v in new.items() if old.get(k) != v}
        if not changes:
            return
        action = "update"
    _insert(action, opts["entity"], instance.pk, changes, returning=False)  # the entry itself is not needed here


def _on_post_delete(sender, instance, **kwargs):
    opts = _registry[sender]
    old = snapshot(instance, opts["exclude"])
    changes = {k: [v, None] for k, v in old.items() if v not in (None, "", [], {})}
    record(action="delete", entity=opts["entity"], entity_id=instance.pk, changes=changes)


def register(model, *, exclude: tuple[str, ...] = (), entity: str | None = None) -> None:
    """Audit every create/update/delete of ``model``; ``exclude`` hides fields (secrets, noise)."""
    _registry[model] = {
        "exclude": frozenset(exclude) | {"updated_at"},
        "entity": entity or model._meta.model_name,
    }
    uid = f"audit:{model._meta.label_lower}"
    pre_save.connect(_on_pre_save, sender=model, dispatch_uid=f"{uid}:pre", weak=False)
    post_save.connect(_on_post_save, sender=model, dispatch_uid=f"{uid}:post", weak=False)
    post_delete.connect(_on_post_delete, sender=model, dispatch_uid=f"{uid}:del", weak=False)


def registered_models() -> list[type]:
    return list(_registry)
