"""The outbox: every external call Chronos makes is a row here first.

``enqueue`` writes the row in the caller's transaction and asks the worker to deliver it once
that transaction commits; the worker's retry timer (:mod:`apps.integrations.retry_timer`) hands
a retry to the queue when it falls due; ``sweep`` (every minute) picks up whatever is due or
whose worker died, should a hand-over have been lost. Claiming is a guarded UPDATE (``SKIP
LOCKED`` on PostgreSQL), so two workers never send the same attempt; delivery is at-least-once
with a stable message id.

Retries follow ``integrations.outbox.retry_schedule_seconds`` (Svix-like: immediately, 5 s,
5 min, 30 min, 2 h, 5 h, 10 h, 10 h): after the n-th failed attempt the next one waits
``schedule[n]`` seconds (± jitter); after the last one the message is dead. A ``Retry-After``
given by the receiver replaces the scheduled wait. Permanent errors go dead at once.
"""

from __future__ import annotations

import logging
import random
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from apps.integrations.models import DeliveryAttempt, OutboxMessage
from apps.integrations.transports.base import DeliveryResult, TransportError, UnknownTransport, get
from chronos.config import current

logger = logging.getLogger(__name__)

Status = OutboxMessage.Status
Outcome = DeliveryAttempt.Outcome


def enqueue(*, transport: str, event_type: str, payload: dict, endpoint=None, target: dict | None = None,
            dedupe_key: str | None = None) -> OutboxMessage:
    """Write a message in the caller's transaction; delivery starts after it commits.

    With ``dedupe_key`` a second enqueue of the same key returns the first message.
    """
    if dedupe_key:
        existing = OutboxMessage.objects.filter(dedupe_key=dedupe_key).first()
        if existing is not None:
            return existing
    try:
        with transaction.atomic():
            message = OutboxMessage.objects.create(
                transport=transport, event_type=event_type, payload=payload, endpoint=endpoint,
                target=target or {}, dedupe_key=dedupe_key or None, next_attempt_at=timezone.now(),
            )
    except IntegrityError:
        if not dedupe_key:
            raise
        return OutboxMessage.objects.get(dedupe_key=dedupe_key)
    transaction.on_commit(partial(dispatch, message.id))
    return message


def dispatch(message_id: uuid.UUID | str) -> None:
    """Hand a new message to the worker queue (unless ``dispatch_on_commit`` is off)."""
    if current().integrations.outbox.dispatch_on_commit:
        queue_delivery(message_id)


def queue_delivery(message_id: uuid.UUID | str) -> None:
    """Hand one message to the worker queue. Losing this call loses nothing: the sweep finds the row."""
    try:
        from django_q.tasks import async_task

        async_task("apps.integrations.tasks.deliver_message", str(message_id), task_name=f"outbox-{message_id}")
    except Exception:  # noqa: BLE001 - a broker outage must not break the committed change
        logger.warning("could not queue outbox message %s; the sweep will deliver it", message_id, exc_info=True)


def due_retries(*, now: datetime, limit: int) -> list[tuple[uuid.UUID, datetime]]:
    """``(id, next_attempt_at)`` of pending retries due at ``now``, earliest first.

    Retries only (``attempts > 0``): a new message is handed over when its transaction commits.
    """
    return list(OutboxMessage.objects.filter(status=Status.PENDING, attempts__gt=0, next_attempt_at__lte=now)
                .order_by("next_attempt_at").values_list("id", "next_attempt_at")[:limit])


def next_retry_due(*, after: datetime) -> datetime | None:
    """When the earliest pending retry later than ``after`` falls due (one indexed lookup)."""
    return (OutboxMessage.objects.filter(status=Status.PENDING, attempts__gt=0, next_attempt_at__gt=after)
            .order_by("next_attempt_at").values_list("next_attempt_at", flat=True).first())


def _due(now: datetime) -> Q:
    return Q(status=Status.PENDING, next_attempt_at__lte=now) | Q(status=Status.DELIVERING, claimed_until__lt=now)


def claim(*, limit: int, now: datetime | None = None, ids: list | None = None) -> list[OutboxMessage]:
    """Claim up to ``limit`` due messages (and those whose lease ran out) for this worker.

    The UPDATE repeats the due-condition, so a row another worker claimed in between is not
    taken twice; the rows this call won are the ones carrying its fresh ``claim_token``.
    """
    now = now or timezone.now()
    token = uuid.uuid4()
    lease_until = now + timedelta(seconds=current().integrations.outbox.lease_seconds)
    with transaction.atomic():
        qs = OutboxMessage.objects.filter(_due(now))
        if ids is not None:
            qs = qs.filter(id__in=ids)
        qs = qs.order_by("next_attempt_at")
        if connection.vendor == "postgresql":
            qs = qs.select_for_update(skip_locked=True)
        candidates = list(qs.values_list("id", "status")[:limit])
        if not candidates:
            return []
        OutboxMessage.objects.filter(_due(now), id__in=[c[0] for c in candidates]).update(
            status=Status.DELIVERING, claimed_until=lease_until, claim_token=token, attempts=F("attempts") + 1,
        )
        claimed = list(OutboxMessage.objects.filter(claim_token=token).select_related("endpoint")
                       .order_by("next_attempt_at"))
        lost = {c[0] for c in candidates if c[1] == Status.DELIVERING}
        if lost:
            DeliveryAttempt.objects.bulk_create([
                DeliveryAttempt(message=m, number=m.attempts - 1, started_at=now, outcome=Outcome.LOST,
                                error="worker lost during delivery; lease expired")
                for m in claimed if m.id in lost
            ])
    return claimed


@dataclass
class _Result:
    outcome: str
    status_code: int | None
    error: str
    response: str
    retry_after: float | None = None


def _truncate(text: str) -> str:
    """At most ``max_response_bytes`` of ``text`` (UTF-8), ending in "…" when cut."""
    limit = current().integrations.outbox.max_response_bytes
    data = text.encode("utf-8", errors="replace")
    if len(data) <= limit:
        return text
    marker = "…" if limit >= 3 else ""
    return data[:limit - len(marker.encode())].decode("utf-8", errors="ignore") + marker


def _attempt(message: OutboxMessage) -> _Result:
    max_attempts = len(current().integrations.outbox.retry_schedule_seconds)
    if message.attempts > max_attempts:
        return _Result(Outcome.DEAD, None, f"gave up after {message.attempts - 1} attempts", "")
    try:
        transport = get(message.transport)
    except UnknownTransport:
        return _Result(Outcome.DEAD, None, f"unknown transport {message.transport!r}", "")
    try:
        result: DeliveryResult = transport.deliver(message)
    except TransportError as exc:
        outcome = Outcome.DEAD if exc.permanent else Outcome.RETRY
        return _Result(outcome, exc.status_code, str(exc), _truncate(exc.response_body or ""), exc.retry_after)
    except Exception as exc:  # noqa: BLE001 - a transport bug must not lose the message: retry it
        logger.exception("transport %s raised on message %s", message.transport, message.id)
        return _Result(Outcome.RETRY, None, f"{type(exc).__name__}: {exc}", "")
    return _Result(Outcome.DELIVERED, result.status_code, "", _truncate(result.response_body or result.detail))


def next_delay(*, attempts: int, retry_after: float | None) -> float | None:
    """Seconds until the next attempt after ``attempts`` failed ones; ``None`` when exhausted."""
    cfg = current().integrations.outbox
    schedule = cfg.retry_schedule_seconds
    if attempts >= len(schedule):
        return None
    if retry_after is not None:
        # The receiver said when: honour it exactly (bounded, so a silly value cannot park a message for ever).
        return max(0.0, min(float(retry_after), cfg.max_retry_after_seconds))
    base = schedule[attempts]
    jitter = cfg.jitter_ratio
    return base * random.uniform(1 - jitter, 1 + jitter) if base and jitter else base


@dataclass
class _Settlement:
    message: OutboxMessage
    outcome: str
    fields: dict[str, Any]
    attempt: DeliveryAttempt


def _try(message: OutboxMessage) -> _Settlement:
    """Make one attempt and work out (without writing) what it means for the row."""
    started = timezone.now()
    t0 = time.monotonic()
    result = _attempt(message)
    duration_ms = int((time.monotonic() - t0) * 1000)
    now = timezone.now()
    outcome = result.outcome
    error = result.error
    fields: dict[str, Any] = {
        "claimed_until": None, "claim_token": None,
        "last_status_code": result.status_code, "last_error": error, "last_response": result.response,
    }
    if outcome == Outcome.DELIVERED:
        fields.update(status=Status.DELIVERED, delivered_at=now)
    elif outcome == Outcome.RETRY:
        delay = next_delay(attempts=message.attempts, retry_after=result.retry_after)
        if delay is None:
            outcome = Outcome.DEAD
            error = f"{error} (gave up after {message.attempts} attempts)"
            fields["last_error"] = error
        else:
            fields.update(status=Status.PENDING, next_attempt_at=now + timedelta(seconds=delay))
    if outcome == Outcome.DEAD:
        fields.update(status=Status.DEAD, dead_at=now)
    attempt = DeliveryAttempt(
        message=message, number=message.attempts, started_at=started, duration_ms=duration_ms,
        status_code=result.status_code, outcome=outcome, error=error, response=result.response,
    )
    return _Settlement(message, outcome, fields, attempt)


def _settle(settlements: list[_Settlement]) -> None:
    """Record attempts and move rows on, in one short transaction for the whole group."""
    if not settlements:
        return
    dead: list[OutboxMessage] = []
    with transaction.atomic():
        DeliveryAttempt.objects.bulk_create([s.attempt for s in settlements])
        for item in settlements:
            message = item.message
            # Only the holder of the claim may settle the row; a worker whose lease ran out and
            # was superseded just leaves its attempt on record.
            settled = OutboxMessage.objects.filter(
                id=message.id, claim_token=message.claim_token, status=Status.DELIVERING
            ).update(**item.fields)
            if settled:
                for key, value in item.fields.items():
                    setattr(message, key, value)
                if item.outcome == Outcome.DEAD:
                    dead.append(message)
    # Hooks run after the group is committed, each on its own: a raising hook must not undo the
    # other messages' results (nor its own). A crash in between leaves e.g. a pushed command
    # PROCESSING until its lease expires, which requeues it.
    for message in dead:
        try:
            with transaction.atomic():
                _on_dead(message)
        except Exception:  # noqa: BLE001 - logged; the message stays dead and can be retried
            logger.exception("on_dead hook of %s message %s failed", message.transport, message.id)


def deliver_claimed(message: OutboxMessage) -> str:
    """Deliver one claimed message and record the attempt. Returns the outcome."""
    item = _try(message)
    _settle([item])
    return item.outcome


def _on_dead(message: OutboxMessage) -> None:
    try:
        transport = get(message.transport)
    except UnknownTransport:
        return
    transport.on_dead(message)


def _renew_if_needed(message: OutboxMessage, now: datetime) -> None:
    """Keep the lease ahead of this attempt's timeout when a batch takes long."""
    timeout = float((message.endpoint.timeout_seconds if message.endpoint else 0) or 30)
    if message.claimed_until and (message.claimed_until - now).total_seconds() > timeout + 5:
        return
    until = now + timedelta(seconds=max(current().integrations.outbox.lease_seconds, timeout + 30))
    OutboxMessage.objects.filter(id=message.id, claim_token=message.claim_token).update(claimed_until=until)
    message.claimed_until = until


def deliver_batch(messages: list[OutboxMessage], *, flush_every: int = 25, flush_seconds: float = 0.5) -> dict[str, int]:
    """Deliver claimed messages one by one, recording results in small groups.

    Grouping the bookkeeping writes roughly doubles throughput on SQLite. A group is written
    at least every ``flush_seconds``, so a crash re-sends at most that much (at-least-once).
    """
    counts: dict[str, int] = {}
    pending: list[_Settlement] = []
    first_unflushed = 0.0
    _prepare(messages)
    for message in messages:
        _renew_if_needed(message, timezone.now())
        item = _try(message)
        if not pending:
            first_unflushed = time.monotonic()
        pending.append(item)
        counts[item.outcome] = counts.get(item.outcome, 0) + 1
        if len(pending) >= flush_every or time.monotonic() - first_unflushed >= flush_seconds:
            _settle(pending)
            pending = []
    _settle(pending)
    return counts


def _prepare(messages: list[OutboxMessage]) -> None:
    """Let a transport load what a whole batch needs in one go (its optional ``prepare_batch``).

    Best effort: a transport without the hook, or whose hook fails, loads per message in
    ``deliver`` as it would for a single message.
    """
    groups: dict[str, list[OutboxMessage]] = {}
    for message in messages:
        groups.setdefault(message.transport, []).append(message)
    for name, group in groups.items():
        try:
            prepare = getattr(get(name), "prepare_batch", None)
        except UnknownTransport:
            continue  # each message goes dead in _attempt
        if prepare is None:
            continue
        try:
            prepare(group)
        except Exception:  # noqa: BLE001 - an optimisation must not stop delivery
            logger.warning("transport %s could not prepare a batch; delivering message by message", name, exc_info=True)


def deliver_now(message_id: uuid.UUID | str) -> str | None:
    """Claim and deliver one message if it is due (the on-commit path). ``None`` if not claimed."""
    claimed = claim(limit=1, ids=[message_id])
    if not claimed:
        return None
    return deliver_claimed(claimed[0])


def sweep(*, max_seconds: float | None = None, batch_size: int | None = None) -> dict[str, int]:
    """Deliver everything due (or stuck) in batches, for at most ``max_seconds``."""
    cfg = current().integrations.outbox
    budget = cfg.sweep_max_seconds if max_seconds is None else max_seconds
    size = batch_size or cfg.batch_size
    deadline = time.monotonic() + budget
    totals: dict[str, int] = {}
    while True:
        batch = claim(limit=size)
        if not batch:
            break
        for key, value in deliver_batch(batch).items():
            totals[key] = totals.get(key, 0) + value
        if time.monotonic() >= deadline:
            break
    return totals


class NotRetryable(Exception):
    """The message is in a state that cannot be retried (delivering or already delivered)."""


def retry(*, message_ids: list, now: datetime | None = None) -> int:
    """Put dead (or waiting) messages back to pending for an immediate attempt with a fresh schedule."""
    now = now or timezone.now()
    with transaction.atomic():
        ids = list(OutboxMessage.objects.filter(id__in=message_ids, status__in=[Status.DEAD, Status.PENDING])
                   .values_list("id", flat=True))
        OutboxMessage.objects.filter(id__in=ids, status__in=[Status.DEAD, Status.PENDING]).update(
            status=Status.PENDING, next_attempt_at=now, attempts=0, dead_at=None,
        )
    for message_id in ids:
        transaction.on_commit(partial(dispatch, message_id))
    return len(ids)


def retry_one(message: OutboxMessage) -> OutboxMessage:
    if message.status in (Status.DELIVERING, Status.DELIVERED):
        raise NotRetryable(f"message is {message.status}; only dead or pending messages can be retried")
    if not retry(message_ids=[message.id]):
        raise NotRetryable("message changed state meanwhile; reload and try again")
    message.refresh_from_db()
    return message


def retry_dead_since(since: datetime) -> int:
    ids = list(OutboxMessage.objects.filter(status=Status.DEAD, dead_at__gte=since).values_list("id", flat=True))
    return retry(message_ids=ids)


def prune(*, now: datetime | None = None) -> int:
    """Delete delivered messages older than the retention; dead ones stay until handled."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=current().integrations.outbox.delivered_retention_days)
    deleted, _ = OutboxMessage.objects.filter(status=Status.DELIVERED, delivered_at__lt=cutoff).delete()
    return deleted
