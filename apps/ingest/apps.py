from __future__ import annotations

from django.apps import AppConfig


class IngestConfig(AppConfig):
    name = "apps.ingest"
    label = "ingest"
    verbose_name = "Ingest: the plugin pipeline every entry takes"

    def ready(self) -> None:
        from apps.ingest import prefixed  # noqa: F401  (registers the built-in "command_handler")
