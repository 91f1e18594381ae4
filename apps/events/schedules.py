"""Periodic tasks of the events app (created by the worker at start, see apps.core.schedules)."""

from __future__ import annotations

from apps.core.schedules import declare
from apps.events.scheduling import config

declare(
    "events.checklist_autocomplete",
    "apps.events.checklists.autocomplete_due",
    minutes=max(int(config("checklist_autocomplete_minutes") or 5), 1),
)
