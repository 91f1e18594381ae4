"""Whitelist checks: is a command allowed, and are its parameters of the declared types?"""

from __future__ import annotations

import re
from typing import Any

from apps.whitelists.models import MAX_OFFSET_MINUTES, PARAM_TYPES, Fire, Whitelist
from apps.whitelists.types import ParamTypeError, coerce

NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
PARAM_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]{0,63}$")
ENTRY_KEYS = {"system", "action", "allowed_params", "required_params", "enabled", "description", "fire",
              "fire_offset_minutes"}


class CommandRejected(Exception):
    """The whitelist refuses a command; ``reason`` is the exact, user-facing explanation."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def normalise_name(value: str) -> str:
    return (value or "").strip().upper()


def entry_for(*, system: str, action: str) -> Whitelist | None:
    """The whitelist entry of a command, if there is one."""
    return Whitelist.objects.filter(system=normalise_name(system), action=normalise_name(action)).first()


def validate_command(*, system: str, action: str, params: dict, entry: Whitelist | None = None) -> dict:
    """Return the cleaned/coerced parameters or raise :class:`CommandRejected` with the reason.

    ``entry``: the command's whitelist entry when the caller has already read it.
    """
    system, action = normalise_name(system), normalise_name(action)
    if not system or not NAME_RE.match(system):
        raise CommandRejected(f"invalid target system {system!r}")
    if not action or not NAME_RE.match(action):
        raise CommandRejected(f"invalid command {action!r}")
    if not isinstance(params, dict):
        raise CommandRejected("parameters must be an object of name: value")
    if entry is None:
        entry = Whitelist.objects.filter(system=system, action=action).first()
    if entry is None:
        if not Whitelist.objects.filter(system=system).exists():
            raise CommandRejected(f"system {system!r} is not whitelisted")
        raise CommandRejected(f"command {action!r} is not allowed for system {system!r}")
    if not entry.enabled:
        raise CommandRejected(f"command {action!r} for system {system!r} is disabled")
    allowed: dict[str, str] = entry.allowed_params or {}
    cleaned: dict[str, Any] = {}
    for name in params:
        if name not in allowed:
            raise CommandRejected(f"parameter {name!r} is not allowed for {action} on {system}")
    for name, value in params.items():
        try:
            cleaned[name] = coerce(allowed[name], value)
        except ParamTypeError as exc:
            raise CommandRejected(f"parameter {name!r} must be of type {allowed[name]}: {exc}") from None
    missing = [name for name in entry.required_params or [] if name not in cleaned]
    if missing:
        names = ", ".join(repr(n) for n in missing)
        raise CommandRejected(f"missing required parameter {names} for {action} on {system}")
    return cleaned


def entry_errors(data: Any) -> dict[str, list[str]]:
    """Field errors of one whitelist entry given as plain data (API, admin form, import)."""
    if not isinstance(data, dict):
        return {"entry": ["must be an object with system, action, allowed_params, required_params, enabled"]}
    errors: dict[str, list[str]] = {}
    # YAML allows non-string keys (1:, null:); they must not break the sort or the join.
    unknown = sorted(map(str, set(data) - ENTRY_KEYS))
    if unknown:
        errors["entry"] = [f"unknown key(s): {', '.join(unknown)}"]
    for key in ("system", "action"):
        value = data.get(key)
        if not isinstance(value, str) or not NAME_RE.match(value.strip()):
            errors[key] = ["required: 1-64 characters, letters, digits, _ . - (starting with a letter or digit)"]
    errors.update(params_errors(data.get("allowed_params", {}), data.get("required_params", [])))
    if "enabled" in data and not isinstance(data["enabled"], bool):
        errors["enabled"] = ["must be true or false"]
    if "description" in data and not isinstance(data["description"], str):
        errors["description"] = ["must be a string"]
    errors.update(timing_errors(data.get("fire", Fire.ON_ARRIVAL), data.get("fire_offset_minutes", 0)))
    return errors


def timing_errors(fire: Any, offset: Any) -> dict[str, list[str]]:
    """Field errors of ``fire`` / ``fire_offset_minutes`` (API, admin form, import)."""
    errors: dict[str, list[str]] = {}
    if fire not in Fire.values:
        errors["fire"] = [f"must be one of {', '.join(Fire.values)}"]
    if isinstance(offset, bool) or not isinstance(offset, int):
        errors["fire_offset_minutes"] = ["must be an integer number of minutes"]
    elif abs(offset) > MAX_OFFSET_MINUTES:
        errors["fire_offset_minutes"] = [f"must be between -{MAX_OFFSET_MINUTES} and {MAX_OFFSET_MINUTES}"]
    elif offset and fire == Fire.ON_ARRIVAL:
        errors["fire_offset_minutes"] = ["only an entry that fires at_start or at_end takes an offset"]
    return errors


def params_errors(allowed: Any, required: Any) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not isinstance(allowed, dict):
        errors["allowed_params"] = ['must be an object {"name": "type"}']
        allowed = {}
    else:
        problems = []
        for name, type_name in allowed.items():
            if not isinstance(name, str) or not PARAM_RE.match(name):
                problems.append(f"{name!r} is not a valid parameter name")
            elif type_name not in PARAM_TYPES:
                problems.append(f"{name}: unknown type {type_name!r} (use one of {', '.join(PARAM_TYPES)})")
        if problems:
            errors["allowed_params"] = problems
    if not isinstance(required, list) or not all(isinstance(n, str) for n in required):
        errors["required_params"] = ["must be a list of parameter names"]
    else:
        problems = [f"{n!r} is required but not in allowed_params" for n in required if n not in allowed]
        if len(set(required)) != len(required):
            problems.append("names must not repeat")
        if problems:
            errors["required_params"] = problems
    return errors
