from __future__ import annotations

from django.apps import AppConfig


class CommandsConfig(AppConfig):
    name = "apps.commands"
    label = "commands"
    verbose_name = "Commands: the external work queue"

    def ready(self) -> None:
        from apps.commands import schedules  # noqa: F401  (declares the lease sweep)
        from apps.commands.entries import action_entry
        from apps.ingest.prefixed import register_prefix

        register_prefix("ACTION", action_entry)
