"""Built-in plugins. Importing this package registers them with the pipeline."""

from __future__ import annotations

from apps.sync.plugins import command_handler  # noqa: F401  (registers "command_handler")
