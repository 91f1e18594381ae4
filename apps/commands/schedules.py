"""Periodic tasks of the command queue (created by the worker at start)."""

from __future__ import annotations

from apps.core.schedules import declare

# Polls already return expired leases of the polled system; the sweep covers systems that
# stopped polling, so their stuck commands become visible (and eventually FAILED) anyway.
declare("commands.sweep_expired_leases", "apps.commands.tasks.sweep_expired_leases", minutes=1)
# Series are written a bounded horizon ahead (actions.horizon_days); this extends them.
declare("actions.refill_horizons", "apps.commands.tasks.refill_action_horizons", minutes=60)
