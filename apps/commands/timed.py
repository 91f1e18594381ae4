"""Timed actions: ``ACTION:`` entries that fire at their start or end instead of on arrival.

The whitelist entry of the command says when (``fire``: ``on_arrival`` | ``at_start`` |
``at_end``, plus ``fire_offset_minutes``). A timed entry is kept as an event, and
:func:`schedule_event` writes one :class:`ActionFiring` per occurrence (via
``apps.events.recurrence.occurrences``) up to ``actions.horizon_days`` ahead; the worker's
loop (:func:`run_loop`) fires each when its ``fire_at`` comes, reading nothing but the
``firing_due_idx`` index of scheduled rows by due time.

Exactly one command per occurrence: a firing is taken under a row lock (PostgreSQL ``FOR UPDATE
SKIP LOCKED``; SQLite's IMMEDIATE transactions hold the write lock) with a guarded state change,
and the command's ``idempotency_key`` (``event:<id>:<occurrence UTC start>``) is unique in the
database, so even a second writer that got past both could not store a second command.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db import close_old_connections, connection, transaction
from django.utils import timezone

from apps.audit.actor import acting_as
from apps.audit.registry import record, record_many
from apps.commands.models import ActionFiring, ActionHorizon, Command
from apps.commands.parsing import ActionSyntaxError, ParsedAction, parse_action
from apps.commands.services import create_command
from apps.core.timefmt import iso_z
from apps.events.models import Event
from apps.events.recurrence import occurrences
from apps.ingest.prefixed import split_prefix
from apps.whitelists.models import Fire
from apps.whitelists.services import CommandRejected, entry_for, validate_command
from chronos.config import current

logger = logging.getLogger("chronos.actions")
State = ActionFiring.State
ENTITY = "action_firing"
REFILL_MARGIN = timedelta(days=1)  # a horizon closer than this to its target is extended

# Set after a commit that scheduled something, so a loop in this process re-reads its next
# due time at once; other processes' loops see it within ``actions.max_sleep_seconds``.
_wake = threading.Event()


class FiringRaced(Exception):
    """The firing changed under the lock (never expected); its transaction is rolled back."""


@dataclass(frozen=True)
class Plan:
    """What a timed entry will fire: the checked command and when, relative to each occurrence."""

    command: str
    target_system: str
    parameters: dict
    fire: str
    offset_minutes: int

    def fire_at(self, start: datetime, end: datetime) -> datetime:
        base = start if self.fire == Fire.AT_START else end
        return base + timedelta(minutes=self.offset_minutes)


def occurrence_key(event_id: int, occurrence_start: datetime) -> str:
    """``event:<id>:<occurrence UTC start as YYYYMMDDTHHMMSSZ>`` — the command's idempotency key."""
    return f"event:{event_id}:{occurrence_start.astimezone(UTC).strftime('%Y%m%dT%H%M%SZ')}"


def timed_plan(text: str) -> Plan | None:
    """The plan of an ``ACTION:`` text whose whitelist entry fires at a time; ``None`` if it fires on arrival.

    Raises ``ActionSyntaxError`` or ``CommandRejected`` (with the reason) when it is not valid.
    """
    return plan_for(parse_action(text))


def plan_for(parsed: ParsedAction) -> Plan | None:
    """:func:`timed_plan` of an action already parsed: one read of its whitelist entry."""
    entry = entry_for(system=parsed.target_system, action=parsed.command)
    if entry is None or entry.fire == Fire.ON_ARRIVAL:
        return None
    cleaned = validate_command(system=parsed.target_system, action=parsed.command, params=parsed.parameters,
                               entry=entry)
    return Plan(command=parsed.command, target_system=parsed.target_system, parameters=cleaned, fire=entry.fire,
                offset_minutes=entry.fire_offset_minutes)


def _plan_of(event: Event) -> tuple[Plan | None, str]:
    found = split_prefix(event.title)
    if found is None or found[0] != "ACTION":
        return None, "the entry is no longer an ACTION"
    try:
        plan = timed_plan(found[1])
    except (ActionSyntaxError, CommandRejected) as exc:
        return None, str(exc)[:500]
    if plan is None:
        return None, "the command now fires on arrival"
    if event.status == Event.Status.CANCELLED:
        return None, "the entry was cancelled"
    return plan, ""


def _wake_after_commit() -> None:
    transaction.on_commit(_wake.set)


# --- scheduling -----------------------------------------------------------------------------


def cancel_event(event_id: int, *, note: str, now: datetime | None = None) -> int:
    """Cancel every firing of the entry that has not fired yet (it was deleted or is no longer timed)."""
    now = now or timezone.now()
    ids = list(ActionFiring.objects.filter(event_id=event_id, state=State.SCHEDULED).values_list("pk", flat=True))
    ActionHorizon.objects.filter(event_id=event_id).delete()
    if not ids:
        return 0
    ActionFiring.objects.filter(pk__in=ids, state=State.SCHEDULED).update(state=State.CANCELLED, note=note,
                                                                          updated_at=now)
    record_many(action="action.cancelled", entity=ENTITY, entity_ids=ids,
                changes={"state": [State.SCHEDULED, State.CANCELLED], "note": [None, note]})
    return len(ids)


@transaction.atomic
def schedule_event(event: Event, *, now: datetime | None = None) -> None:
    """Bring the firings of ``event`` in line with what it says now.

    Occurrences from the start of the catch-up window up to the horizon get a ``scheduled`` row
    (a cancelled one comes back); scheduled rows no longer wanted (moved, edited, the entry is
    no longer a timed action) are cancelled. Fired and skipped rows are history and stay.
    """
    now = now or timezone.now()
    plan, why_not = _plan_of(event)
    if plan is None:
        cancel_event(event.pk, note=why_not, now=now)
        return
    cfg = current().actions
    span = max(event.end_time - event.start_time, timedelta(0))
    # Every occurrence whose firing is at most catch_up_minutes late is still wanted.
    start = now - timedelta(minutes=cfg.catch_up_minutes + abs(plan.offset_minutes)) - span
    # An offset earlier than the start needs its occurrences written that much sooner.
    until = now + timedelta(days=cfg.horizon_days, minutes=max(0, -plan.offset_minutes))
    wanted: dict[datetime, datetime] = {}
    for occ in occurrences(event, start, until):
        if start <= occ.start < until:
            wanted[occ.start] = plan.fire_at(occ.start, occ.end)
    values = {"fire": plan.fire, "fire_offset_minutes": plan.offset_minutes, "command_name": plan.command,
              "target_system": plan.target_system, "parameters": plan.parameters}
    existing = {row.occurrence_start: row for row in ActionFiring.objects.filter(
        event_id=event.pk, state__in=(State.SCHEDULED, State.CANCELLED), occurrence_start__gte=start)}
    new_rows, cancelled = [], []
    for occ_start, fire_at in wanted.items():
        row = existing.get(occ_start)
        if row is None:
            new_rows.append(ActionFiring(event_id=event.pk, occurrence_start=occ_start, fire_at=fire_at,
                                         idempotency_key=occurrence_key(event.pk, occ_start), created_at=now,
                                         updated_at=now, **values))
            continue
        target = {**values, "fire_at": fire_at, "state": State.SCHEDULED, "note": ""}
        changed = [name for name, value in target.items() if getattr(row, name) != value]
        if changed:
            ActionFiring.objects.filter(pk=row.pk, state=row.state).update(**target, updated_at=now)
    for occ_start, row in existing.items():
        if row.state == State.SCHEDULED and occ_start not in wanted:
            cancelled.append(row.pk)
    if new_rows:
        # A concurrent scheduling of the same entry may have written some: the unique
        # (event, occurrence_start) keeps one, and the other write is dropped, not an error.
        ActionFiring.objects.bulk_create(new_rows, ignore_conflicts=True)
    if cancelled:
        note = "moved or removed before it fired"
        ActionFiring.objects.filter(pk__in=cancelled, state=State.SCHEDULED).update(
            state=State.CANCELLED, note=note, updated_at=now)
        record_many(action="action.cancelled", entity=ENTITY, entity_ids=cancelled,
                    changes={"state": [State.SCHEDULED, State.CANCELLED], "note": [None, note]})
    _keep_horizon(event, until=until, early=timedelta(minutes=max(0, -plan.offset_minutes)))
    _wake_after_commit()


def _keep_horizon(event: Event, *, until: datetime, early: timedelta) -> None:
    """Remember when the entry must be planned again; forget an entry with nothing left to write.

    A series (an event with a ``recurrence``) is extended by the refill task once ``until`` comes
    within a day of the horizon. A single entry beyond the horizon is dated so that the refill
    picks it up when its start enters the horizon; once written it needs no row at all.
    ``early``: how much sooner than the start its firing comes (a negative offset).
    """
    if event.recurrence:
        ActionHorizon.objects.update_or_create(event_id=event.pk, defaults={"until": until})
    elif event.start_time >= until:
        ActionHorizon.objects.update_or_create(event_id=event.pk, defaults={
            "until": event.start_time - early - REFILL_MARGIN})
    else:
        ActionHorizon.objects.filter(event_id=event.pk).delete()


def planned(event_ids: list[int]) -> set[int]:
    """Which of these entries have firings to come or a horizon (so a change must re-plan them)."""
    horizons = ActionHorizon.objects.filter(event_id__in=event_ids).order_by().values_list("event_id", flat=True)
    firings = (ActionFiring.objects.filter(event_id__in=event_ids, state=State.SCHEDULED).order_by()
               .values_list("event_id", flat=True))
    return set(horizons.union(firings))  # one statement: it runs on every save of an entry


def schedule_events(event_ids: list[int]) -> int:
    """Schedule entries written without model signals (calendar sync): ACTION titles and known timed entries."""
    touched = 0
    for index in range(0, len(event_ids), 500):
        chunk = event_ids[index:index + 500]
        known = planned(chunk)
        for pk, title in Event.objects.filter(pk__in=chunk).values_list("pk", "title"):
            found = split_prefix(title)
            if pk in known or (found is not None and found[0] == "ACTION"):
                known.add(pk)
        for event in Event.objects.filter(pk__in=sorted(known)) if known else ():
            schedule_event(event)
            touched += 1
    return touched


def replan_command(*, system: str, action: str, now: datetime | None = None) -> int:
    """Re-plan every entry with a firing of this command still to come (its whitelist entry changed).

    Cancelled rows count too: an entry cancelled because its command was disabled comes back
    when the command is enabled again.
    """
    now = now or timezone.now()
    since = now - timedelta(minutes=current().actions.catch_up_minutes)
    ids = sorted(set(ActionFiring.objects.filter(
        target_system=system, command_name=action, fire_at__gte=since,
        state__in=(State.SCHEDULED, State.CANCELLED)).values_list("event_id", flat=True)))
    for event in Event.objects.filter(pk__in=ids):
        schedule_event(event, now=now)
    return len(ids)


def refill_horizons(now: datetime | None = None, *, batch: int = 500) -> int:
    """Extend the entries whose written firings end within a day of the horizon (worker schedule)."""
    now = now or timezone.now()
    target = now + timedelta(days=current().actions.horizon_days)
    due = list(ActionHorizon.objects.filter(until__lt=target - REFILL_MARGIN).order_by("until")
               .values_list("event_id", flat=True)[:batch])
    events = {e.pk: e for e in Event.objects.filter(pk__in=due)}
    for event_id in due:
        event = events.get(event_id)
        if event is None:
            cancel_event(event_id, note="the entry was deleted", now=now)
        else:
            schedule_event(event, now=now)
    return len(due)


def action_of(event: Event) -> dict[str, Any]:
    """``{"action": {...}}`` for the answer about a timed entry (its current or next firing); else ``{}``."""
    found = split_prefix(event.title)
    if found is None or found[0] != "ACTION":
        return {}
    # The next scheduled firing; else the latest one not cancelled; else the latest. A series keeps
    # one row per past occurrence, so each is one row read, not the whole history.
    firings = ActionFiring.objects.filter(event_id=event.pk)
    row = (firings.filter(state=State.SCHEDULED).order_by("fire_at", "id").first()
           or firings.exclude(state=State.CANCELLED).order_by("-fire_at", "-id").first()
           or firings.order_by("-fire_at", "-id").first())
    if row is None:
        return {}
    return {"action": {"command": row.command_name, "target_system": row.target_system,
                       "parameters": row.parameters, "fire": row.fire, "fire_offset_minutes": row.fire_offset_minutes,
                       "fire_at": iso_z(row.fire_at), "occurrence_start": iso_z(row.occurrence_start), "state": row.state,
                       "command_id": row.command_id}}


# --- firing ---------------------------------------------------------------------------------


def _context(row: ActionFiring, event: Event) -> dict[str, Any]:
    return {
        "event_id": row.event_id,
        "occurrence_start": iso_z(row.occurrence_start),
        "fire_at": iso_z(row.fire_at),
        "fire": row.fire,
        "calendar_id": event.calendar_id,
        "external_id": event.external_id,
        "event": {"title": event.title, "start_time": iso_z(event.start_time), "end_time": iso_z(event.end_time),
                  "timezone": event.timezone, "location": event.location},
        "source": "timer",
    }


def _next_due(now: datetime) -> ActionFiring | None:
    qs = ActionFiring.objects.filter(state=State.SCHEDULED, fire_at__lte=now).order_by("fire_at", "id")
    if connection.vendor == "postgresql":
        qs = qs.select_for_update(skip_locked=True)
    return qs.first()


def _settle(row: ActionFiring, now: datetime, state: str, *, note: str = "", command: Command | None = None) -> None:
    updated = ActionFiring.objects.filter(pk=row.pk, state=State.SCHEDULED).update(
        state=state, note=note[:500], command=command, updated_at=now)
    if updated != 1:
        raise FiringRaced(f"firing {row.pk} changed concurrently")
    row.state, row.note, row.command, row.updated_at = state, note[:500], command, now
    if state != State.FIRED:
        record(action=f"action.{state}", entity=ENTITY, entity_id=row.pk,
               changes={"state": [State.SCHEDULED, state], "note": [None, note],
                        "event_id": [None, row.event_id], "fire_at": [None, iso_z(row.fire_at)]})


def fire_next(now: datetime | None = None) -> ActionFiring | bool | None:
    """Fire (or skip, or cancel) the earliest due firing and return it; ``None`` when nothing is
    due, ``False`` when another writer changed it meanwhile (it is theirs: go on with the next)."""
    now = now or timezone.now()
    try:
        return _fire_next(now)
    except FiringRaced:
        logger.warning("a firing changed while it was being fired; left to the other writer")
        return False


def _fire_next(now: datetime) -> ActionFiring | None:
    with transaction.atomic():
        row = _next_due(now)
        if row is None:
            return None
        _fire(row, now)
        return row


def _fire(row: ActionFiring, now: datetime) -> None:
    """Settle one due firing: cancelled, skipped, or fired with its command."""
    late = now - row.fire_at
    catch_up = timedelta(minutes=current().actions.catch_up_minutes)
    event = Event.objects.filter(pk=row.event_id).first()
    if event is None:
        _settle(row, now, State.CANCELLED, note="the entry was deleted")
        return
    if late > catch_up:
        _settle(row, now, State.SKIPPED, note=f"{int(late.total_seconds() // 60)} min late, beyond the catch-up "
                                              f"window of {int(catch_up.total_seconds() // 60)} min")
        return
    # What the entry says now wins, should a change have missed the scheduler (e.g. a raw write).
    plan, why_not = _plan_of(event)
    if plan is None:
        _settle(row, now, State.CANCELLED, note=why_not)
        return
    try:
        with transaction.atomic():
            command = create_command(command=plan.command, target_system=plan.target_system,
                                     parameters=plan.parameters, source_event_id=row.event_id,
                                     context=_context(row, event), idempotency_key=row.idempotency_key)
    except CommandRejected as exc:
        _settle(row, now, State.SKIPPED, note=f"refused by the whitelist: {exc.reason}")
    else:
        _settle(row, now, State.FIRED, command=command)


def fire_due(now: datetime | None = None, *, limit: int = 10_000) -> int:
    """Fire everything due at ``now`` (at most ``limit``); returns how many firings were settled."""
    count = tries = 0
    with acting_as("worker:actions"):
        while tries < limit:
            tries += 1
            settled = fire_next(now)
            if settled is None:
                break
            count += settled is not False
    return count


def next_fire_at() -> datetime | None:
    """The earliest scheduled ``fire_at`` (one step of the due index)."""
    return (ActionFiring.objects.filter(state=State.SCHEDULED).order_by("fire_at", "id")
            .values_list("fire_at", flat=True).first())


def seconds_until_next(now: datetime, max_sleep: float) -> float:
    """How long the loop may sleep: until the next firing, never longer than ``max_sleep``."""
    upcoming = next_fire_at()
    if upcoming is None:
        return max_sleep
    return min(max(0.0, (upcoming - now).total_seconds()), max_sleep)


def _nap(stop: Any, seconds: float) -> None:
    deadline = timezone.now() + timedelta(seconds=seconds)
    while not stop.requested and not _wake.is_set():
        left = (deadline - timezone.now()).total_seconds()
        if left <= 0:
            return
        _wake.wait(min(left, 0.25))


def run_loop(stop: Any) -> None:
    """The worker's firing loop: fire what is due, sleep until the next ``fire_at`` (bounded), repeat.

    Nothing due costs one index lookup per ``actions.max_sleep_seconds``. Started once per worker
    process; several processes may run it at once (the claim keeps each firing to one).
    """
    while not stop.requested:
        _wake.clear()
        try:
            fire_due()
            wait = seconds_until_next(timezone.now(), current().actions.max_sleep_seconds)
        finally:
            close_old_connections()
        if wait > 0:
            _nap(stop, wait)
