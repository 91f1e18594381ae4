"""Cross-app domain events.

Every status change that other parts of Chronos may react to (commands created/completed,
events changed, e-mails sent) is announced through :func:`emit`. Subscribers (the outbox,
workflows, notifications) register with :func:`subscribe` in their ``AppConfig.ready`` so the
emitting code never has to know who listens.

Subscribers run synchronously inside the caller's transaction: they must only write rows
(e.g. outbox entries) and defer external calls with ``transaction.on_commit``.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from typing import Any

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


def emit(event_type: str, data: dict[str, Any]) -> None:
    """Announce ``event_type`` with a JSON-serialisable ``data`` dict to every subscriber."""
    for handler in [*_subscribers.get(event_type, []), *_subscribers.get("*", [])]:
        handler(event_type, data)
