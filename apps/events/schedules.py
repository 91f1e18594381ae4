"""Periodic tasks of the events app (created by the worker at start, see apps.core.schedules)."""

from __future__ import annotations

from apps.core.schedules import declare
from chronos.config import current

declare(
    "events.checklist_autocomplete",
    "apps.events.checklists.autocomplete_due",
    minutes=current().scheduling.checklist_autocomplete_minutes,
)

# Never-ending series: their stored occurrences move on with the horizon (apps.events.occurrences).
declare("events.extend_occurrences", "apps.events.occurrences.extend_occurrences", cron="17 2 * * *")
