"""The audit mechanism: register a model once, every save/delete is recorded.

Apps call :func:`register` in ``AppConfig.ready``; the admin and the API both go through
``Model.save``/``delete``, so neither needs per-view audit code. Explicit actions that are
not plain saves (claims, reschedules, logins) use :func:`record`.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import router
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


def record(*, action: str, entity: str, entity_id: Any, changes: dict | None = None) -> AuditEntry:
    """Append one entry naming the current actor (see ``apps.audit.actor``); returns it saved."""
    entry = _entry(audit_actor.current(), action, entity, entity_id, changes or {}, timezone.now())
    entry.save(force_insert=True, using=router.db_for_write(AuditEntry))
    return entry


def record_many(*, action: str, entity: str, entity_ids: list[Any], changes: dict | None = None) -> None:
    """The same entry for several entities (e.g. every command of one claim) in one statement."""
    if not entity_ids:
        return
    ctx, ts = audit_actor.current(), timezone.now()
    AuditEntry.objects.using(router.db_for_write(AuditEntry)).bulk_create(
        [_entry(ctx, action, entity, pk, changes or {}, ts) for pk in entity_ids])


def _entry(ctx: audit_actor.AuditContext, action: str, entity: str, entity_id: Any, changes: dict, ts) -> AuditEntry:
    """An unsaved entry; text cut to the column lengths, ``changes`` as JSON gives it back."""
    return AuditEntry(ts=ts, actor=ctx.actor[:100], actor_name=ctx.actor_name[:150], scope=ctx.scope[:500],
                      action=action, entity=entity, entity_id=str(entity_id), changes=_jsonable(changes),
                      ip=ctx.ip[:45], request_id=ctx.request_id)


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
