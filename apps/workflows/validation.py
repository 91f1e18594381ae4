"""Checks on a workflow definition shared by the API serializer and the admin form."""

from __future__ import annotations

from typing import Any

from apps.whitelists.models import Whitelist
from apps.whitelists.services import NAME_RE
from apps.whitelists.types import ParamTypeError, coerce
from apps.workflows.rendering import ROOTS, placeholders_in

MAX_DELAY_SECONDS = 30 * 86400


def workflow_errors(data: dict[str, Any]) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for key in ("trigger_command", "trigger_system", "follow_up_command", "follow_up_system"):
        value = data.get(key)
        if not isinstance(value, str) or not NAME_RE.match(value.strip()):
            errors[key] = ["required: 1-64 characters, letters, digits, _ . -"]
    params = data.get("follow_up_params", {})
    if not isinstance(params, dict):
        errors["follow_up_params"] = ['must be an object {"name": value or "{{placeholder}}"}']
        params = {}
    problems = []
    for key in sorted(placeholders_in(params)):
        if key.split(".", 1)[0] not in ROOTS:
            problems.append(f"placeholder {{{{{key}}}}} must start with one of {', '.join(ROOTS)}")
    if "follow_up_command" not in errors and "follow_up_system" not in errors:
        entry = Whitelist.objects.filter(
            system=data["follow_up_system"].strip().upper(), action=data["follow_up_command"].strip().upper()
        ).first()
        if entry is None:
            errors["follow_up_command"] = [
                f"{data['follow_up_command'].upper()} on {data['follow_up_system'].upper()} is not whitelisted"
            ]
        else:
            problems += list(param_errors(entry, params).values())
            missing = [name for name in entry.required_params or [] if name not in params]
            if missing:
                problems.append(f"missing required parameter {', '.join(repr(n) for n in missing)} "
                                f"for {entry.action} on {entry.system}")
    if problems:
        errors["follow_up_params"] = problems
    delay = data.get("delay_seconds", 0)
    if isinstance(delay, bool) or not isinstance(delay, int) or not 0 <= delay <= MAX_DELAY_SECONDS:
        errors["delay_seconds"] = [f"must be an integer between 0 and {MAX_DELAY_SECONDS}"]
    return errors


def param_errors(entry: Whitelist, params: dict[str, Any]) -> dict[str, str]:
    """Parameter name -> what is wrong with it for the follow-up's whitelist ``entry``.

    A value without placeholders is checked against the declared type now, as the command
    would be when the workflow fires; one with placeholders is checked when it is filled.
    """
    allowed = entry.allowed_params or {}
    errors: dict[str, str] = {}
    for name, value in params.items():
        if name not in allowed:
            errors[name] = f"parameter {name!r} is not allowed for {entry.action} on {entry.system}"
        elif not placeholders_in(value):
            try:
                coerce(allowed[name], value)
            except ParamTypeError as exc:
                errors[name] = f"parameter {name!r} must be of type {allowed[name]}: {exc}"
    return errors
