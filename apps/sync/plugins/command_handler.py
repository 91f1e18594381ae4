"""Built-in plugin ``command_handler``: ``ACTION:``, ``NOTIZ:``/``NOTE:`` and ``URL:`` entries.

- ``ACTION: <COMMAND> <SYSTEM> [key=value …]`` becomes a queued command, checked against the
  whitelist; a refused command rejects the entry with the exact reason.
- ``NOTIZ: <text>`` / ``NOTE: <text>`` becomes a note, ``URL: <url> [title]`` a URL payload.

All three consume the entry (it is not stored as an event). The prefix is case-insensitive and
tolerates spaces around the colon; anything else passes through untouched.
"""

from __future__ import annotations

import re
from typing import Any

from apps.commands.parsing import ActionSyntaxError, parse_action
from apps.sync.pipeline import EventPlugin, IncomingEvent, PluginResult, builtin
from apps.sync.plugins.entries import EntryRejected, create_note, create_url
from apps.whitelists.services import CommandRejected

PREFIX_RE = re.compile(r"^\s*(ACTION|NOTIZ|NOTE|URL)\s*:(.*)\Z", re.IGNORECASE | re.DOTALL)


def command_context(event: IncomingEvent) -> dict[str, Any]:
    """What a command remembers of the entry it came from (the entry itself is not stored)."""
    return {
        "calendar_id": event.calendar_id,
        "external_id": event.external_id,
        "event_start": event.start_time.isoformat(),
        "event_end": event.end_time.isoformat(),
        "source": event.source,
        "event": event.context(),
    }


@builtin
class CommandHandler(EventPlugin):
    name = "command_handler"

    def applies(self, event: IncomingEvent) -> bool:
        return PREFIX_RE.match(event.title or "") is not None

    def process(self, event: IncomingEvent) -> PluginResult:
        match = PREFIX_RE.match(event.title or "")
        if match is None:
            return PluginResult.passthrough(event)
        kind, rest = match.group(1).upper(), match.group(2).strip()
        try:
            if kind == "ACTION":
                return self._action(event, rest)
            if kind == "URL":
                payload = create_url(event, rest)
                return PluginResult.consume(created={"type": "url", "id": payload.pk})
            note = create_note(event, rest)
            return PluginResult.consume(created={"type": "note", "id": note.pk})
        except (ActionSyntaxError, EntryRejected) as exc:
            return PluginResult.reject(event, str(exc))
        except CommandRejected as exc:
            return PluginResult.reject(event, exc.reason)

    def _action(self, event: IncomingEvent, rest: str) -> PluginResult:
        from apps.commands.services import create_command

        parsed = parse_action(rest)
        key = f"event:{event.calendar_id}:{event.external_id}" if event.external_id else None
        max_retries = self.config.get("max_retries")
        command = create_command(
            command=parsed.command,
            target_system=parsed.target_system,
            parameters=parsed.parameters,
            source_event_id=event.external_id or event.extra.get("event_id"),
            context=command_context(event),
            idempotency_key=key,
            max_retries=int(max_retries) if max_retries is not None else None,
        )
        return PluginResult.consume(created={"type": "command", "id": command.pk})
