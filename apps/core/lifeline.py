"""Processes that die with their parent, so a killed ``start`` or worker leaves nothing running.

A process whose parent is killed (``kill -9``, the OOM killer) is re-parented and runs on: a
django-q2 cluster kept delivering after its ``manage.py worker`` died, and a restart then ran two
clusters. On Linux the kernel's parent-death signal (``prctl(PR_SET_PDEATHSIG)``) ends such a
process at once; elsewhere a watchdog thread polls ``getppid()`` once a second (Python processes
only). The signal is sent when the *thread* that forked the child ends: every caller here forks
from the main thread.

Three uses:

- ``manage.py worker --parent PID`` (what ``start`` runs) calls :func:`die_with_parent` and stops
  as on SIGTERM when ``start`` dies;
- the worker calls :func:`children_die_with_me` before starting the cluster: the sentinel, and
  through it every cluster process, is SIGKILLed when its parent dies;
- ``python apps/core/lifeline.py PID -- command ...`` ties a program that is not Python (the web
  server) to ``start`` and then executes it; the signal survives ``execve``.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import os
import signal
import sys
import threading
import time

logger = logging.getLogger("chronos.lifeline")

PR_SET_PDEATHSIG = 1
WATCHDOG_SECONDS = 1.0

_libc = None


def _prctl_pdeathsig(sig: int) -> bool:
    """Ask the kernel for ``sig`` when the parent thread dies; False where there is no prctl."""
    global _libc
    if not sys.platform.startswith("linux"):
        return False
    if _libc is None:
        _libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    if _libc.prctl(PR_SET_PDEATHSIG, ctypes.c_ulong(sig), 0, 0, 0) != 0:
        logger.warning("prctl(PR_SET_PDEATHSIG) failed: %s", os.strerror(ctypes.get_errno()))
        return False
    return True


def _watchdog(parent: int, sig: int) -> None:
    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(WATCHDOG_SECONDS)
        os.kill(os.getpid(), sig)

    threading.Thread(target=watch, name="lifeline", daemon=True).start()


def die_with_parent(parent: int, sig: int = signal.SIGTERM, *, watchdog: bool = True) -> None:
    """Receive ``sig`` when process ``parent`` (expected to be our parent) dies.

    A parent that died before this call is caught too: then the signal is sent right away.
    """
    armed = _prctl_pdeathsig(sig)
    if not armed and watchdog:
        _watchdog(parent, sig)
    if os.getppid() != parent:  # the parent was gone before the kernel was asked to tell us
        os.kill(os.getpid(), sig)


_forking_pid: int | None = None
_registered = False


def _before_fork() -> None:
    global _forking_pid
    _forking_pid = os.getpid()


def _after_fork_in_child() -> None:
    if _forking_pid is not None:
        die_with_parent(_forking_pid, signal.SIGKILL, watchdog=False)


def _load_libc() -> None:
    # Loaded before any fork, so a forked child does not have to dlopen() anything.
    _prctl_pdeathsig(0)


def children_die_with_me() -> None:
    """Every process forked from now on in this process (and, inherited, in its forked children)
    is SIGKILLed when the process that forked it dies.

    For the django-q2 cluster: its sentinel and the sentinel's workers are forks (multiprocessing's
    ``fork`` context), so a killed worker command takes the sentinel with it and a killed sentinel
    its workers. Tasks cut short are retried by the broker, as after any crash. ``subprocess``
    children (e.g. ``pg_dump``) are not affected: their fork runs no Python code.
    """
    global _registered
    if not _registered:
        _load_libc()
        os.register_at_fork(before=_before_fork, after_in_child=_after_fork_in_child)
        _registered = True


def command(parent: int, args: list[str]) -> list[str]:
    """``args`` run so that the program gets SIGTERM when ``parent`` dies.

    The file is run as a script (it imports only the standard library), so this works from any
    working directory."""
    return [sys.executable, os.path.abspath(__file__), str(parent), "--", *args]


def main(argv: list[str]) -> None:
    """``lifeline.py PARENT_PID -- program args...``: tie, then become the program."""
    if len(argv) < 3 or argv[1] != "--" or not argv[0].isdigit():
        sys.exit("usage: python apps/core/lifeline.py PARENT_PID -- program [args...]")
    die_with_parent(int(argv[0]), signal.SIGTERM, watchdog=False)
    os.execvp(argv[2], argv[2:])


if __name__ == "__main__":
    main(sys.argv[1:])
