"""Periodic tasks of the events app (created by the worker at start, see apps.core.schedules)."""

from __future__ import annotations

from apps.core.schedules import declare
from chronos.config import current

declare(
    "events.checklist_autocomplete",
    "apps.events.checklists.autocomplete_due",
    minutes=current().scheduling.checklist_autocomplete_minutes,
)
