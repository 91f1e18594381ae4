"""Long-running loops the worker process runs beside the task cluster.

A periodic schedule runs at most once a minute; work that must start within seconds of a
known time (timed actions) runs in a loop that sleeps until its next due time instead. Apps
register a loop from ``ready()``; ``manage.py worker`` starts each in a thread and asks it to
stop through the ``stop`` object it passes (``stop.requested``, ``stop.sleep(seconds)``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Loop = Callable[[Any], None]
_loops: dict[str, Loop] = {}


def register(name: str, loop: Loop) -> None:
    _loops[name] = loop


def registered() -> dict[str, Loop]:
    return dict(_loops)
