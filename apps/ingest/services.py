"""``ingest()``: run an entry through the plugins and store it unless a plugin took or refused it."""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from apps.audit.registry import record
from apps.ingest.pipeline import IncomingEvent, PipelineResult, run_pipeline

# store(incoming, extra_fields, *, plugin_error, calendar) -> the stored event
EventStore = Callable[..., Any]
_store: EventStore | None = None


def provide_event_store(store: EventStore) -> None:
    """The events app hands over how an entry no plugin consumed is stored (from its ``ready()``)."""
    global _store
    _store = store


# Called with the ids of events a path wrote without model signals (the calendar sync's bulk
# writes), so apps that follow event changes through signals learn about them too.
_stored_listeners: list[Callable[[list[int]], None]] = []


def on_stored(listener: Callable[[list[int]], None]) -> None:
    """Register ``listener(event_ids)`` (from an app's ``ready()``)."""
    if listener not in _stored_listeners:
        _stored_listeners.append(listener)


def notify_stored(event_ids: list[int]) -> None:
    """Tell the listeners these events were created or changed without model signals."""
    if not event_ids:
        return
    for listener in _stored_listeners:
        listener(event_ids)


class IngestStatus(enum.StrEnum):
    CREATED = "created"
    CONSUMED = "consumed"
    REJECTED = "rejected"


@dataclass
class IngestOutcome:
    """What ``ingest`` did with an entry: stored it, handed it to a plugin, or refused it."""

    status: IngestStatus
    event: Any = None  # the stored event (status CREATED)
    consumed_by: str | None = None
    created: dict[str, Any] | None = None  # e.g. {"type": "command", "id": 17}
    rejection: str = ""
    rejected_by: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


class _Rejected(Exception):
    def __init__(self, result: PipelineResult) -> None:
        super().__init__(result.rejection)
        self.result = result


def ingest(incoming: IncomingEvent, *, extra_fields: dict | None = None, calendar: Any = None) -> IngestOutcome:
    """Run the plugin pipeline and store the entry unless a plugin consumed or refused it.

    ``extra_fields``: event columns the caller sets besides what :class:`IncomingEvent` carries
    (priority, status, sub-tasks …). ``calendar``: the entry's calendar if the caller has read it
    already (it is used only if the plugins left ``calendar_id`` pointing at it).

    Everything happens in one transaction: a refusal rolls back whatever plugins wrote, and a
    plugin that raised leaves the event stored, flagged with ``plugin_error`` and audited.
    """
    if _store is None:
        raise RuntimeError("no event store: the events app provides it when it is ready")
    try:
        with transaction.atomic():
            result = run_pipeline(incoming)
            if result.consumed:
                return IngestOutcome(status=IngestStatus.CONSUMED, consumed_by=result.consumed_by,
                                     created=result.created)
            if result.rejection:
                raise _Rejected(result)
            event = _store(result.event, dict(extra_fields or {}), plugin_error=result.error or "",
                           calendar=calendar)
            if result.error:
                record(action="plugin_error", entity="event", entity_id=event.pk,
                       changes={"plugin_error": [None, result.error]})
            return IngestOutcome(status=IngestStatus.CREATED, event=event)
    except _Rejected as rejected:
        return IngestOutcome(status=IngestStatus.REJECTED, rejection=rejected.result.rejection or "rejected",
                             rejected_by=rejected.result.rejected_by)
