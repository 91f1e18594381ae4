"""Cross-app domain events.

Every status change that other parts of Chronos may react to (commands created/completed,
events changed, e-mails sent) is announced through :func:`emit`. Subscribers (the outbox,
workflows, notifications) register with :func:`subscribe` in their ``AppConfig.ready`` so the
emitting code never has to know who listens.

Subscribers run synchronously inside the caller's transaction: they must only write rows
(e.g. outbox entries) and defer external calls with ``transaction.on_commit``. The cached
configuration rows they read (``apps.core.rowcache``) are revalidated once per emit, or once
per batch with :func:`emit_each`.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

from apps.core.rowcache import revalidate_once

logger = logging.getLogger(__name__)

Subscriber = Callable[[str, dict[str, Any]], None]
_subscribers: dict[str, list[Subscriber]] = defaultdict(list)


def subscribe(event_type: str, handler: Subscriber) -> None:
    """Register ``handler(event_type, data)`` for ``event_type`` (``"*"`` for every type)."""
    if handler not in _subscribers[event_type]:
        _subscribers[event_type].append(handler)


def unsubscribe(event_type: str, handler: Subscriber) -> None:
    if handler in _subscribers.get(event_type, []):
        _subscribers[event_type].remove(handler)


def _handlers(event_type: str) -> list[Subscriber]:
    return [*_subscribers.get(event_type, []), *_subscribers.get("*", [])]


def emit(event_type: str, data: dict[str, Any]) -> None:
    """Announce ``event_type`` with a JSON-serialisable ``data`` dict to every subscriber."""
    handlers = _handlers(event_type)
    if not handlers:
        return
    with revalidate_once():
        for handler in handlers:
            handler(event_type, data)


def emit_each(event_type: str, items: Iterable[dict[str, Any]]) -> None:
    """:func:`emit` for each item in turn (e.g. every command of one claim), as one batch."""
    handlers = _handlers(event_type)
    if not handlers:
        return
    with revalidate_once():
        for data in items:
            for handler in handlers:
                handler(event_type, data)
