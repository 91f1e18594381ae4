"""Who else is using the database: restore must run alone, backups one at a time."""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path

import psutil

LOCK_NAME = ".backup.lock"


class Busy(Exception):
    """Another backup or restore holds the lock."""


@contextlib.contextmanager
def exclusive(directory: Path) -> Iterator[None]:
    """A non-blocking ``flock`` in the backups folder, released when the process dies."""
    directory.mkdir(parents=True, exist_ok=True)
    fd = os.open(directory / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise Busy("another backup or restore is running (lock held on the backups folder)") from None
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def processes_with_file_open(path: Path) -> list[str]:
    """Other processes that hold the SQLite file (or its -wal) open, as ``pid name`` strings.

    The web server and the worker keep the database open while they run; this finds them
    even when no heartbeat was written (the web server has none).
    """
    wanted = {os.path.realpath(path), os.path.realpath(f"{path}-wal")}
    me = os.getpid()
    found: list[str] = []
    for proc in psutil.process_iter(["pid", "name"]):
        if proc.info["pid"] == me:
            continue
        try:
            if any(os.path.realpath(f.path) in wanted for f in proc.open_files()):
                found.append(f"{proc.info['pid']} {proc.info['name']}")
        except (psutil.AccessDenied, psutil.NoSuchProcess, psutil.ZombieProcess, OSError):
            continue
    return found


def postgres_sessions(connection) -> list[str]:
    """Other client sessions on the same PostgreSQL database."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid, coalesce(application_name, ''), coalesce(client_addr::text, 'local') "
            "FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() "
            "AND backend_type = 'client backend'"
        )
        return [f"{pid} {app or 'client'}@{addr}" for pid, app, addr in cursor.fetchall()]


def running_reasons(connection) -> list[str]:
    """Why the app looks alive; empty when it is safe to swap the database."""
    from apps.core import heartbeat

    reasons: list[str] = []
    try:
        if heartbeat.alive():
            reasons.append("the worker's heartbeat is fresh (stop the worker first)")
    except Exception:  # noqa: BLE001 - a damaged or empty database has no heartbeat to read
        pass
    if connection.vendor == "sqlite":
        holders = processes_with_file_open(Path(connection.settings_dict["NAME"]))
        if holders:
            reasons.append("the database file is open in process(es) " + ", ".join(holders))
    else:
        try:
            sessions = postgres_sessions(connection)
        except Exception:  # noqa: BLE001 - reported as unknown by the caller's own connection error
            sessions = []
        if sessions:
            reasons.append("other sessions are connected to the database: " + ", ".join(sessions[:5]))
    return reasons
