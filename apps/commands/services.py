"""The command queue: create, claim (poll or push), complete, fail, requeue.

Every status change goes through :func:`_transition` bookkeeping: one audit entry and one
domain event (``command.created|claimed|completed|failed|requeued``) via
``apps.core.signals.emit`` inside the same transaction, so listeners (workflows, the outbox)
see exactly the committed history.

Claiming never reads-then-writes without a guard: on PostgreSQL the candidate rows are locked
with ``FOR UPDATE SKIP LOCKED``; on SQLite every ``atomic()`` is an IMMEDIATE transaction that
holds the write lock from its first statement, and the UPDATE still re-checks ``status``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from apps.audit.registry import record, record_many
from apps.commands import queries
from apps.commands.models import Command
from apps.core.signals import emit, emit_each
from apps.core.timefmt import iso_z
from apps.whitelists.services import validate_command
from chronos.config import current

Status = Command.Status
MAX_LIMIT = 100
MAX_ERROR_LENGTH = 10_000
ENTITY = "command"


class CommandNotFound(LookupError):
    """No command with that id."""


class IllegalTransition(Exception):
    """The requested change is not allowed from the command's current status."""


def lease_seconds() -> int:
    return current().commands.lease_seconds


def default_max_retries() -> int:
    return current().commands.default_max_retries


def backoff_seconds(retries: int) -> int:
    """Exponential backoff for a failed attempt: base * 2**retries, capped."""
    base = current().commands.retry_backoff_seconds
    cap = current().commands.retry_backoff_max_seconds
    return min(base * (2 ** min(retries, 20)), cap)


def command_data(cmd: Command) -> dict[str, Any]:
    """The command as plain JSON-able data (domain events, audit, placeholders)."""
    return {
        "id": cmd.pk,
        "command": cmd.command,
        "target_system": cmd.target_system,
        "parameters": cmd.parameters,
        "status": cmd.status,
        "retries": cmd.retries,
        "max_retries": cmd.max_retries,
        "result": cmd.result,
        "last_error": cmd.last_error,
        "idempotency_key": cmd.idempotency_key,
        "source_event_id": cmd.source_event_id,
        "context": cmd.context,
        "depth": cmd.depth,
        "created_at": iso_z(cmd.created_at),
        "updated_at": iso_z(cmd.updated_at),
        "processed_at": iso_z(cmd.processed_at),
        "completed_at": iso_z(cmd.completed_at),
        "timeout_at": iso_z(cmd.timeout_at),
        "available_at": iso_z(cmd.available_at),
    }


def _announce(cmd: Command, event: str, changes: dict[str, list[Any]]) -> None:
    """Audit entry and domain event."""
    record(action=event, entity=ENTITY, entity_id=cmd.pk, changes=changes)
    emit(event, command_data(cmd))


def _announce_many(commands: list[Command], event: str, changes: dict[str, list[Any]]) -> None:
    """Bulk variant for claims: one INSERT for all audit entries of a poll."""
    if not commands:
        return
    record_many(action=event, entity=ENTITY, entity_ids=[cmd.pk for cmd in commands], changes=changes)
    emit_each(event, (command_data(cmd) for cmd in commands))


def _lock(command_id: int) -> Command:
    qs = Command.objects.filter(pk=command_id)
    if connection.vendor == "postgresql":
        qs = qs.select_for_update()
    cmd = qs.first()
    if cmd is None:
        raise CommandNotFound(f"command {command_id} does not exist")
    return cmd


def _apply(cmd: Command, now: datetime, expected_status: str, **values: Any) -> dict[str, list[Any]]:
    """Guarded write of ``values``; returns the audit changes. Raises if the row moved on."""
    values["updated_at"] = now
    updated = Command.objects.filter(pk=cmd.pk, status=expected_status).update(**values)
    if updated != 1:
        raise IllegalTransition(f"command {cmd.pk} changed concurrently; retry")
    changes = {}
    for name, value in values.items():
        old = getattr(cmd, name)
        if name != "updated_at" and old != value:
            changes[name] = [old, value]
        setattr(cmd, name, value)
    return changes


# --- create ---------------------------------------------------------------------------------


def create_command(
    *,
    command: str,
    target_system: str,
    parameters: dict | None,
    source_event_id: str | int | None = None,
    context: dict | None = None,
    idempotency_key: str | None = None,
    max_retries: int | None = None,
    depth: int = 0,
    available_at: datetime | None = None,
) -> Command:
    """Validate against the whitelist and queue a PENDING command.

    Raises ``CommandRejected`` with the exact reason. With an ``idempotency_key`` that is already
    taken, the existing command is returned and nothing new is created.
    """
    cleaned = validate_command(
        system=target_system, action=command, params=parameters if parameters is not None else {}
    )
    if idempotency_key:
        existing = Command.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            return existing
    now = timezone.now()
    try:
        with transaction.atomic():
            cmd = Command.objects.create(
                command=command.strip().upper(),
                target_system=target_system.strip().upper(),
                parameters=cleaned,
                max_retries=default_max_retries() if max_retries is None else max_retries,
                idempotency_key=idempotency_key or None,
                source_event_id="" if source_event_id is None else str(source_event_id),
                context=context or {},
                depth=depth,
                available_at=available_at or now,
                created_at=now,
                updated_at=now,
            )
            _announce(
                cmd,
                "command.created",
                {
                    "status": [None, Status.PENDING],
                    "command": [None, cmd.command],
                    "target_system": [None, cmd.target_system],
                    "parameters": [None, cleaned],
                },
            )
    except IntegrityError:
        # Lost a race on the same idempotency key: the winner's command is the answer.
        existing = Command.objects.filter(idempotency_key=idempotency_key).first() if idempotency_key else None
        if existing is None:
            raise
        return existing
    return cmd


# --- claim ----------------------------------------------------------------------------------


def _expired(system: str | None, now: datetime, batch: int) -> list[Command]:
    """PROCESSING commands whose lease ran out, oldest first (locked, skipping locked, on PostgreSQL)."""
    expired = Command.objects.filter(status=Status.PROCESSING, timeout_at__lt=now)
    if system is not None:
        expired = expired.filter(target_system=system)
    return list(expired.order_by("id").select_for_update(skip_locked=True)[:batch])


def _requeue_expired_locked(system: str | None, now: datetime, batch: int = 500) -> int:
    count = 0
    for cmd in _expired(system, now, batch):
        error = f"lease expired at {iso_z(cmd.timeout_at)} without complete/fail"
        _retry_or_fail(cmd, now, error, retry_at=now, failed_error=f"{error}; no retries left")
        count += 1
    return count


def _retry_or_fail(cmd: Command, now: datetime, error: str, *, retry_at: datetime | None,
                   failed_error: str | None = None) -> None:
    """A PROCESSING command's attempt ended badly: PENDING again at ``retry_at`` while retries
    remain (and ``retry_at`` is given), else FAILED."""
    if retry_at is not None and cmd.retries < cmd.max_retries:
        changes = _apply(cmd, now, Status.PROCESSING, status=Status.PENDING, retries=cmd.retries + 1,
                         timeout_at=None, available_at=retry_at, last_error=error)
        _announce(cmd, "command.requeued", changes)
    else:
        changes = _apply(cmd, now, Status.PROCESSING, status=Status.FAILED, timeout_at=None,
                         last_error=failed_error or error)
        _announce(cmd, "command.failed", changes)


def requeue_expired(*, system: str | None, now: datetime | None = None) -> int:
    """Return PROCESSING commands whose lease ran out to PENDING (a retry) or FAILED (none left)."""
    now = now or timezone.now()
    total = 0
    while True:
        with transaction.atomic():
            count = _requeue_expired_locked(system.upper() if system else None, now)
        total += count
        if count < 500:
            return total


def claim(*, system: str, limit: int, now: datetime | None = None) -> list[Command]:
    """Hand up to ``limit`` PENDING commands of ``system`` (oldest first) to one poller."""
    now = now or timezone.now()
    system = system.strip().upper()
    limit = max(1, min(int(limit), MAX_LIMIT))
    lease_until = now + timedelta(seconds=lease_seconds())
    with transaction.atomic():
        _requeue_expired_locked(system, now)
        changes = {"status": [Status.PENDING, Status.PROCESSING], "timeout_at": [None, lease_until]}
        claimed = queries.claim_rows(system=system, limit=limit, now=now, lease_until=lease_until)
        if not claimed:
            return []
        _announce_many(claimed, "command.claimed", changes)
    return claimed


def claim_for_push(*, command_id: int, now: datetime | None = None) -> bool:
    """PENDING -> PROCESSING with a lease before a push; False when someone else has it."""
    now = now or timezone.now()
    lease_until = now + timedelta(seconds=lease_seconds())
    with transaction.atomic():
        updated = Command.objects.filter(pk=command_id, status=Status.PENDING, available_at__lte=now).update(
            status=Status.PROCESSING, timeout_at=lease_until, processed_at=now, updated_at=now
        )
        if updated != 1:
            return False
        cmd = Command.objects.get(pk=command_id)
        _announce(
            cmd,
            "command.claimed",
            {"status": [Status.PENDING, Status.PROCESSING], "timeout_at": [None, lease_until], "via": [None, "push"]},
        )
    return True


def release_push(*, command_id: int, lease_until: datetime | None = None) -> None:
    """A push that ended dead: back to PENDING (not counted as a retry) so pollers can take it.

    ``lease_until`` is the lease the push took: if the command's lease differs, it expired and
    someone else (a poller) holds the command now, so it is left alone. ``None`` (messages queued
    before the lease was recorded) checks the status only.
    """
    now = timezone.now()
    with transaction.atomic():
        cmd = Command.objects.select_for_update().filter(pk=command_id).first()
        if cmd is None or cmd.status != Status.PROCESSING:
            return
        if lease_until is not None and cmd.timeout_at != lease_until:
            return
        changes = _apply(cmd, now, Status.PROCESSING, status=Status.PENDING, timeout_at=None, available_at=now)
        _announce(cmd, "command.requeued", changes)


# --- finish ---------------------------------------------------------------------------------


def complete(*, command_id: int, result: Any) -> Command:
    """PROCESSING -> COMPLETED. Completing a COMPLETED command again answers the same, no side effects."""
    now = timezone.now()
    changes = {
        "status": [Status.PROCESSING, Status.COMPLETED],
        "result": [None, result],
        "completed_at": [None, now],
    }
    with transaction.atomic():
        # The usual case is one guarded write; only a miss needs a look at the row.
        cmd = queries.complete_row(command_id=command_id, result=result, now=now)
        if cmd is None:
            cmd = Command.objects.filter(pk=command_id).first()
            if cmd is None:
                raise CommandNotFound(f"command {command_id} does not exist")
            if cmd.status == Status.COMPLETED:
                return cmd
            raise IllegalTransition(f"command {cmd.pk} is {cmd.status}; only a PROCESSING command can be completed")
        _announce(cmd, "command.completed", changes)
    return cmd


def fail(*, command_id: int, error: str, retry: bool = True, retry_after_seconds: int | None = None) -> Command:
    """A failed attempt: back to PENDING after a delay while retries remain, else FAILED."""
    now = timezone.now()
    error = (error or "failed without a message")[:MAX_ERROR_LENGTH]
    with transaction.atomic():
        cmd = _lock(command_id)
        if cmd.status == Status.FAILED:
            return cmd
        if cmd.status != Status.PROCESSING:
            raise IllegalTransition(f"command {cmd.pk} is {cmd.status}; only a PROCESSING command can fail")
        delay = backoff_seconds(cmd.retries) if retry_after_seconds is None else retry_after_seconds
        _retry_or_fail(cmd, now, error, retry_at=now + timedelta(seconds=delay) if retry else None)
    return cmd


# --- operator actions (admin) ---------------------------------------------------------------


def requeue(*, command_id: int) -> Command:
    """Operator: put a command back in the queue now, with a fresh retry budget."""
    now = timezone.now()
    with transaction.atomic():
        cmd = _lock(command_id)
        if cmd.status == Status.PENDING and cmd.available_at <= now:
            return cmd
        changes = _apply(
            cmd, now, cmd.status, status=Status.PENDING, retries=0, timeout_at=None, available_at=now, completed_at=None
        )
        _announce(cmd, "command.requeued", changes)
    return cmd


def mark_completed(*, command_id: int, result: Any = None) -> Command:
    """Operator: the work was done out of band. Runs workflows like a normal completion."""
    now = timezone.now()
    with transaction.atomic():
        cmd = _lock(command_id)
        if cmd.status == Status.COMPLETED:
            return cmd
        changes = _apply(
            cmd,
            now,
            cmd.status,
            status=Status.COMPLETED,
            result=result if result is not None else cmd.result,
            completed_at=now,
            timeout_at=None,
        )
        _announce(cmd, "command.completed", changes)
    return cmd


def mark_failed(*, command_id: int, reason: str) -> Command:
    """Operator: give up on a command, with the reason kept as ``last_error``."""
    now = timezone.now()
    reason = (reason or "").strip()[:MAX_ERROR_LENGTH]
    if not reason:
        raise ValueError("a reason is required")
    with transaction.atomic():
        cmd = _lock(command_id)
        if cmd.status == Status.FAILED:
            return cmd
        if cmd.status == Status.COMPLETED:
            raise IllegalTransition(f"command {cmd.pk} is COMPLETED; it cannot be marked failed")
        changes = _apply(cmd, now, cmd.status, status=Status.FAILED, timeout_at=None, last_error=reason)
        _announce(cmd, "command.failed", changes)
    return cmd
