"""Built-in plugin ``command_handler``: entries whose title starts with a keyword and a colon.

``ACTION: BACKUP N8N keep=3``, ``NOTIZ: call Anna``, ``URL: https://… title``. The plugin only
recognises the prefix; what a prefix does belongs to the app that owns the result and registers
a handler for it from its ``ready()`` (``commands``: ``ACTION``; ``events``: ``NOTIZ``, ``NOTE``,
``URL``). The plugin keeps its historical name so ``plugins.enabled`` in existing configurations
stays valid. The prefix is case-insensitive and tolerates spaces around the colon; anything
else passes through untouched.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from apps.ingest.pipeline import EventPlugin, IncomingEvent, PluginResult, builtin

# handler(event, text after the colon, the plugin's own settings) -> what became of the entry
PrefixHandler = Callable[[IncomingEvent, str, dict[str, Any]], PluginResult]


class EntryRejected(ValueError):
    """The entry cannot become what its prefix asks for; the message says why, for people."""


_handlers: dict[str, PrefixHandler] = {}
_pattern: re.Pattern[str] | None = None


def register_prefix(prefix: str, handler: PrefixHandler) -> None:
    """Route entries titled ``<prefix>: …`` to ``handler`` (called from an app's ``ready()``)."""
    global _pattern
    _handlers[prefix.upper()] = handler
    keywords = "|".join(sorted(map(re.escape, _handlers), key=len, reverse=True))
    _pattern = re.compile(rf"^\s*({keywords})\s*:(.*)\Z", re.IGNORECASE | re.DOTALL)


def split_prefix(title: str) -> tuple[str, str] | None:
    """``("ACTION", "BACKUP N8N keep=3")`` for a prefixed title, else ``None``."""
    match = _pattern.match(title or "") if _pattern is not None else None
    if match is None:
        return None
    return match.group(1).upper(), match.group(2).strip()


@builtin
class CommandHandler(EventPlugin):
    name = "command_handler"

    def applies(self, event: IncomingEvent) -> bool:
        return split_prefix(event.title) is not None

    def process(self, event: IncomingEvent) -> PluginResult:
        found = split_prefix(event.title)
        if found is None:
            return PluginResult.passthrough(event)
        keyword, rest = found
        try:
            return _handlers[keyword](event, rest, self.config)
        except EntryRejected as exc:
            return PluginResult.reject(event, str(exc))
