"""How much memory the running installation holds: the summed USS of its process tree.

USS (unique set size) is what a process alone holds, so the sum over the tree is what stopping
Chronos would give back, without counting shared libraries once per process. ``start`` names
itself in ``CHRONOS_START_PID`` for its children; a web process started on its own counts its
own tree.
"""

from __future__ import annotations

import os
import time

import psutil

CACHE_SECONDS = 10.0
_cached: tuple[float, dict] | None = None


def tree_uss(root_pid: int) -> dict:
    """``{"uss_mb": …, "processes": n}`` for ``root_pid`` and all its descendants."""
    root = psutil.Process(root_pid)
    total, count = 0, 0
    for proc in [root, *root.children(recursive=True)]:
        try:
            total += proc.memory_full_info().uss
            count += 1
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return {"uss_mb": round(total / 2**20, 1), "processes": count}


def installation() -> dict:
    """The tree of this installation (cached for a few seconds: /health may be polled often)."""
    global _cached
    now = time.monotonic()
    if _cached is None or now - _cached[0] > CACHE_SECONDS:
        root = int(os.environ.get("CHRONOS_START_PID") or os.getpid())
        try:
            figures = {"status": "ok", **tree_uss(root)}
        except psutil.NoSuchProcess:
            figures = {"status": "ok", **tree_uss(os.getpid())}
        _cached = (now, figures)
    return _cached[1]
