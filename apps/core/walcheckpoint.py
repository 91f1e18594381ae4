"""SQLite WAL checkpoints in the background, off the request path.

In WAL mode every commit appends pages to ``chronos.db-wal``; a checkpoint copies them back
into the database file and syncs it. By default SQLite does that inside whichever commit
pushes the WAL past 1,000 pages, so every few dozen writes one request waited several
milliseconds for a copy and an fsync. Web server processes run :func:`start` instead: a
daemon thread runs a ``PASSIVE`` checkpoint every ``database.sqlite_checkpoint_seconds``
(default 1 s) on its own connection. PASSIVE never waits for readers or writers and never
blocks them, and the thread spends its time inside SQLite with the GIL released.

Connections keep a larger automatic checkpoint (``database.sqlite_wal_autocheckpoint_pages``,
see ``chronos.settings``) as a safety net for when no web process runs. Several processes
may run the thread: SQLite lets one checkpoint run at a time and the others skip that round.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading

logger = logging.getLogger(__name__)

_lock = threading.Lock()
_running_in: int | None = None  # the process whose thread runs (each web worker loads chronos.wsgi itself)


def run(path: str, interval: float, stop: threading.Event) -> None:
    """Checkpoint ``path`` every ``interval`` seconds until ``stop`` is set."""
    connection = sqlite3.connect(path, timeout=0, isolation_level=None, check_same_thread=False)
    failing = False
    try:
        while not stop.wait(interval):
            try:
                connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
                failing = False
            except sqlite3.Error as exc:
                if not failing:  # once per run of failures, not every second
                    logger.warning("background WAL checkpoint of %s failed: %s", path, exc)
                failing = True
    finally:
        connection.close()


def start(path: str, interval: float) -> threading.Event | None:
    """Start the checkpoint thread for this process unless it runs already.

    Returns the event that stops it, or None when nothing was started.
    """
    global _running_in
    if interval <= 0 or path == ":memory:" or not path:
        return None
    with _lock:
        if _running_in == os.getpid():
            return None
        _running_in = os.getpid()
    stop = threading.Event()
    threading.Thread(target=run, args=(path, interval, stop), name="wal-checkpoint", daemon=True).start()
    return stop


def start_for_default_database() -> threading.Event | None:
    """:func:`start` for the configured database when it is a SQLite file (web server processes)."""
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"] != "django.db.backends.sqlite3":
        return None
    return start(str(database["NAME"]), float(settings.SQLITE_CHECKPOINT_SECONDS))
