"""Periodic tasks of the integrations app (created by the worker at start)."""

from __future__ import annotations

from apps.core.schedules import declare

declare("integrations.sweep_outbox", "apps.integrations.tasks.sweep_outbox", minutes=1)
declare("integrations.prune", "apps.integrations.tasks.prune_integrations", minutes=60)
