from __future__ import annotations

from django.apps import AppConfig


class WorkflowsConfig(AppConfig):
    name = "apps.workflows"
    label = "workflows"
    verbose_name = "Workflows: follow-up commands"

    def ready(self) -> None:
        from apps.audit.registry import register
        from apps.core.signals import subscribe
        from apps.workflows.models import Workflow
        from apps.workflows.services import on_command_completed

        register(Workflow, entity="workflow")
        subscribe("command.completed", on_command_completed)
