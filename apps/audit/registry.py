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

from apps.audit import context
from apps.audit.models import AuditEntry

_registry: dict[type, dict[str, Any]] = {}
_OLD = "_audit_old_values"


def _jsonable(value: Any) -> Any:
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


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
# ``objects.create``: building the ORM insert cost ten times more than executing it.
_INSERT_FIELDS = [f for f in AuditEntry._meta.concrete_fields if not f.primary_key]
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


def _entry(ctx: context.AuditContext, action: str, entity: str, entity_id: Any, changes: Any, ts) -> AuditEntry:
    return AuditEntry(
        ts=ts,
        actor=ctx.actor[:100],
        actor_name=ctx.actor_name[:150],
        scope=ctx.scope[:500],
        action=action,
        entity=entity,
        entity_id=str(entity_id),
        changes=changes,
        ip=ctx.ip[:45],
        request_id=ctx.request_id,
    )


def _params(entry: AuditEntry, connection) -> list[Any]:
    return [field.get_db_prep_save(getattr(entry, field.attname), connection) for field in _INSERT_FIELDS]


def record(*, action: str, entity: str, entity_id: Any, changes: dict | None = None) -> AuditEntry:
    """Append one entry naming the current actor (see ``apps.audit.context``); returns it saved."""
    entry = _entry(context.current(), action, entity, entity_id, _jsonable(changes or {}), timezone.now())
    connection = connections[router.db_for_write(AuditEntry)]
    sql = _insert_statement(connection)
    with connection.cursor() as cursor:
        if connection.features.can_return_columns_from_insert:
            cursor.execute(f"{sql} RETURNING {connection.ops.quote_name('id')}", _params(entry, connection))
            entry.pk = cursor.fetchone()[0]
        else:
            cursor.execute(sql, _params(entry, connection))
            entry.pk = connection.ops.last_insert_id(cursor, AuditEntry._meta.db_table, "id")
    entry._state.adding = False
    entry._state.db = connection.alias
    return entry


def record_many(*, action: str, entity: str, entity_ids: list[Any], changes: dict | None = None) -> None:
    """The same entry for several entities (e.g. every command of one claim) in one statement."""
    if not entity_ids:
        return
    ctx = context.current()
    changes = _jsonable(changes or {})
    now = timezone.now()
    connection = connections[router.db_for_write(AuditEntry)]
    with connection.cursor() as cursor:
        cursor.executemany(
            _insert_statement(connection),
            [_params(_entry(ctx, action, entity, pk, changes, now), connection) for pk in entity_ids],
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
    record(action=action, entity=opts["entity"], entity_id=instance.pk, changes=changes)


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
