"""Filling ``follow_up_params`` placeholders from a completed command (plain data only)."""

from __future__ import annotations

import re
from typing import Any

ROOTS = ("command", "event", "workflow")
# What a follow-up's parameter may name, offered by the workflow form's placeholder picker.
# ``command.params.<name>`` per parameter of the trigger's whitelist entry is added there;
# ``event.*`` is the calendar entry the trigger command came from (empty for API commands).
COMMAND_PLACEHOLDERS = ("command.id", "command.command", "command.target_system", "command.source_event_id")
EVENT_PLACEHOLDERS = ("event.title", "event.description", "event.location", "event.calendar_id", "event.start_time",
                      "event.end_time", "event.all_day", "event.timezone", "event.attendees", "event.tags")
WORKFLOW_PLACEHOLDERS = ("workflow.id", "workflow.name")
_PLACEHOLDER = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}")


class ParamsRenderError(ValueError):
    """A placeholder could not be filled (e.g. the command result has no such key)."""


def placeholders_in(value: Any) -> set[str]:
    if isinstance(value, str):
        return set(_PLACEHOLDER.findall(value))
    if isinstance(value, dict):
        return set().union(*(placeholders_in(v) for v in value.values())) if value else set()
    if isinstance(value, list):
        return set().union(*(placeholders_in(v) for v in value)) if value else set()
    return set()


def _render_string(source: str, context: dict[str, Any]) -> str:
    # The shared template renderer keeps one placeholder syntax and one set of rules project-wide.
    from apps.templates.rendering import TemplateRenderError, render_text

    try:
        return render_text(source, context)
    except TemplateRenderError as exc:
        raise ParamsRenderError(str(exc)) from None


def render_params(value: Any, context: dict[str, Any]) -> Any:
    """Render every string in ``value`` (dicts and lists walked); other values stay as they are.

    Results are text; the whitelist then coerces them to the declared types ("5" -> 5).
    """
    if isinstance(value, str):
        return _render_string(value, context) if "{{" in value else value
    if isinstance(value, dict):
        return {k: render_params(v, context) for k, v in value.items()}
    if isinstance(value, list):
        return [render_params(v, context) for v in value]
    return value


def workflow_context(command: dict[str, Any], workflow_id: int, workflow_name: str) -> dict[str, Any]:
    ctx = command.get("context") or {}
    return {
        "command": {
            "id": command["id"],
            "command": command["command"],
            "target_system": command["target_system"],
            "params": command.get("parameters") or {},
            "result": command.get("result") if command.get("result") is not None else {},
            "source_event_id": command.get("source_event_id") or "",
        },
        "event": ctx.get("event") or {},
        "workflow": {"id": workflow_id, "name": workflow_name},
    }
