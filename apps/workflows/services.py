"""Running workflows when a command completes (subscribed to ``command.completed``)."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from apps.audit.registry import record
from apps.commands.models import Command
from apps.core.rowcache import RowCache
from apps.workflows.models import Workflow
from apps.workflows.rendering import ParamsRenderError, render_params, workflow_context
from chronos.config import current

logger = logging.getLogger(__name__)
CONTEXT_KEYS = ("calendar_id", "external_id", "event_start", "event_end", "source", "event")


def max_depth() -> int:
    return current().workflows.max_depth


# Read on every completion; revalidated by one cheap statement (see apps.core.rowcache).
enabled_workflows = RowCache(Workflow, lambda: Workflow.objects.filter(enabled=True).order_by("id"))


def on_command_completed(event_type: str, data: dict[str, Any]) -> None:
    """Queue the follow-ups of every enabled workflow triggered by this command."""
    for workflow in enabled_workflows.get():
        if workflow.trigger_command == data["command"] and workflow.trigger_system == data["target_system"]:
            run_workflow(workflow, data)


def _refuse(workflow: Workflow, action: str, data: dict[str, Any], error: str) -> None:
    logger.warning("workflow %s (%s) on command %s: %s", workflow.pk, workflow.name, data["id"], error)
    record(
        action=action,
        entity="workflow",
        entity_id=workflow.pk,
        changes={"command_id": [None, data["id"]], "error": [None, error]},
    )


def run_workflow(workflow: Workflow, data: dict[str, Any]) -> Command | None:
    """Create the follow-up of ``workflow`` for the completed command ``data`` (or audit why not)."""
    from apps.commands.services import create_command
    from apps.whitelists.services import CommandRejected

    depth = int(data.get("depth") or 0) + 1
    if depth > max_depth():
        _refuse(
            workflow,
            "workflow.depth_exceeded",
            data,
            f"chain depth {depth} exceeds workflows.max_depth={max_depth()}; follow-up not created",
        )
        return None
    try:
        params = render_params(workflow.follow_up_params or {}, workflow_context(data, workflow.pk, workflow.name))
    except ParamsRenderError as exc:
        _refuse(workflow, "workflow.render_failed", data, str(exc))
        return None
    parent_context = data.get("context") or {}
    context = {k: parent_context[k] for k in CONTEXT_KEYS if k in parent_context}
    context.update(workflow_id=workflow.pk, parent_command_id=data["id"])
    try:
        # A savepoint: a refused follow-up must not undo the completion that triggered it.
        with transaction.atomic():
            command = create_command(
                command=workflow.follow_up_command,
                target_system=workflow.follow_up_system,
                parameters=params,
                source_event_id=data.get("source_event_id") or None,
                context=context,
                # One follow-up per (workflow, completed command), however often completion is replayed.
                idempotency_key=f"workflow:{workflow.pk}:command:{data['id']}",
                depth=depth,
                available_at=timezone.now() + timedelta(seconds=workflow.delay_seconds),
            )
    except CommandRejected as exc:
        _refuse(workflow, "workflow.rejected", data, exc.reason)
        return None
    record(
        action="workflow.triggered",
        entity="workflow",
        entity_id=workflow.pk,
        changes={"command_id": [None, data["id"]], "follow_up_id": [None, command.pk]},
    )
    return command
