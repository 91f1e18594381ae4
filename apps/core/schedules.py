"""Idempotent creation of django-q2 schedules at worker start.

Apps list their periodic tasks with :func:`declare`; ``ensure_all`` creates or updates one
``Schedule`` row per name, so restarts never duplicate them. ``catch_up`` stays off
(set globally in ``Q_CLUSTER``): a worker that was down does not replay missed runs.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction


@dataclass(frozen=True)
class Declared:
    name: str
    func: str
    minutes: int | None = None
    cron: str | None = None


_declared: dict[str, Declared] = {}


def declare(name: str, func: str, *, minutes: int | None = None, cron: str | None = None) -> None:
    if (minutes is None) == (cron is None):
        raise ValueError("declare exactly one of minutes= or cron=")
    _declared[name] = Declared(name=name, func=func, minutes=minutes, cron=cron)


def declared() -> list[Declared]:
    return list(_declared.values())


def ensure(item: Declared) -> None:
    from django_q.models import Schedule

    defaults = {"func": item.func, "repeats": -1}
    if item.cron:
        defaults.update(schedule_type=Schedule.CRON, cron=item.cron, minutes=None)
    else:
        defaults.update(schedule_type=Schedule.MINUTES, minutes=item.minutes, cron=None)
    with transaction.atomic():
        existing = Schedule.objects.filter(name=item.name).order_by("id")
        first = existing.first()
        if first is None:
            Schedule.objects.create(name=item.name, **defaults)
            return
        existing.exclude(pk=first.pk).delete()
        changed = [k for k, v in defaults.items() if getattr(first, k) != v]
        if changed:
            for k in changed:
                setattr(first, k, defaults[k])
            first.save(update_fields=changed)


def ensure_all() -> None:
    for item in declared():
        ensure(item)


declare("chronos.prune_idempotency", "apps.core.tasks.prune_idempotency_records", minutes=60)
