"""Parsing of ``ACTION: <COMMAND> <TARGET_SYSTEM> [key=value …]`` (shell-style quoting)."""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field


class ActionSyntaxError(ValueError):
    """The text after ``ACTION:`` is not a command; the message says why."""


@dataclass
class ParsedAction:
    command: str
    target_system: str
    parameters: dict[str, str] = field(default_factory=dict)


def parse_action(text: str) -> ParsedAction:
    """Parse the part after ``ACTION:``. Values stay strings; the whitelist coerces their types."""
    try:
        tokens = shlex.split(text, posix=True)
    except ValueError as exc:
        raise ActionSyntaxError(f"ACTION cannot be parsed: {exc} (check the quotes)") from None
    if len(tokens) < 2:
        raise ActionSyntaxError(
            "ACTION needs a command and a target system: ACTION: <COMMAND> <SYSTEM> [key=value ...]"
        )
    command, system, *pairs = tokens
    if "=" in command or "=" in system:
        raise ActionSyntaxError("ACTION needs a command and a target system before any key=value")
    params: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        key = key.strip()
        if not sep or not key:
            raise ActionSyntaxError(f"ACTION parameter {pair!r} is not of the form key=value")
        if key in params:
            raise ActionSyntaxError(f"ACTION parameter {key!r} is given twice")
        params[key] = value
    return ParsedAction(command=command.upper(), target_system=system.upper(), parameters=params)
