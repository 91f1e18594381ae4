"""Worker entry points of the command queue."""

from __future__ import annotations

from apps.audit.actor import acting_as
from apps.commands.services import requeue_expired


def sweep_expired_leases() -> int:
    with acting_as("worker:commands"):
        return requeue_expired(system=None)


def refill_action_horizons() -> int:
    from apps.commands.timed import refill_horizons

    total = 0
    with acting_as("worker:actions"):
        for _ in range(100):  # 50,000 entries an hour at most; the rest wait for the next run
            done = refill_horizons(batch=500)
            total += done
            if done < 500:
                break
    return total
