"""``ACTION: <COMMAND> <SYSTEM> [key=value …]`` entries become queued commands.

Registered with the ingest prefixes by the commands app. The command is checked against the
whitelist; a refused command rejects the entry with the exact reason. A command that fires on
arrival consumes the entry (it is not stored as an event); one whose whitelist entry fires at
the entry's start or end lets it through to be stored, and ``apps.commands.timed`` schedules it.
"""

from __future__ import annotations

from typing import Any

from apps.commands.parsing import ActionSyntaxError, parse_action
from apps.commands.services import create_command
from apps.commands.timed import plan_for
from apps.ingest.pipeline import IncomingEvent, PluginResult
from apps.whitelists.services import CommandRejected


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


def action_entry(event: IncomingEvent, text: str, config: dict[str, Any]) -> PluginResult:
    """Queue the command an ``ACTION:`` entry names; ``config`` is the plugin's settings."""
    try:
        parsed = parse_action(text)
    except ActionSyntaxError as exc:
        return PluginResult.reject(event, str(exc))
    try:
        if plan_for(parsed) is not None:
            return PluginResult.passthrough(event)  # kept as an event; fired when its time comes
    except CommandRejected as exc:
        return PluginResult.reject(event, exc.reason)
    key = f"event:{event.calendar_id}:{event.external_id}" if event.external_id else None
    max_retries = config.get("max_retries")
    try:
        command = create_command(
            command=parsed.command,
            target_system=parsed.target_system,
            parameters=parsed.parameters,
            source_event_id=event.external_id or event.extra.get("event_id"),
            context=command_context(event),
            idempotency_key=key,
            max_retries=int(max_retries) if max_retries is not None else None,
        )
    except CommandRejected as exc:
        return PluginResult.reject(event, exc.reason)
    return PluginResult.consume(created={"type": "command", "id": command.pk})
