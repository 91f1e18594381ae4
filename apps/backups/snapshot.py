"""Consistent database snapshots and their checks: SQLite backup API, PostgreSQL ``pg_dump``.

SQLite: the online backup API copies every page in ONE step (``pages=-1``) on its own raw
connection. A stepwise copy restarts whenever another connection writes, so under constant
writes it may never finish; one step reads inside a single read transaction, which in WAL
mode does not block writers. Django's connection is not used: with ``transaction_mode=
IMMEDIATE`` it could hold the write lock while the copy runs. The live file is never copied.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import tempfile
from pathlib import Path


class SnapshotError(Exception):
    """The database could not be captured, or the capture failed its checks."""


def fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_dir(path: Path) -> None:
    # A rename is durable only once the directory entry is on disk.
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


# --- SQLite ---------------------------------------------------------------------------------

def sqlite_snapshot(source: Path, target: Path, *, busy_timeout_ms: int = 5000,
                    empty_tables: tuple[str, ...] = ()) -> None:
    """Write a consistent copy of ``source`` to ``target`` (a new single file, rollback journal).

    ``empty_tables`` are emptied in the copy (never in the source) with ``secure_delete`` on, so
    their rows do not linger on free pages of the file that leaves the machine.
    """
    if not Path(source).exists():
        raise SnapshotError(f"database file {source} does not exist")
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=busy_timeout_ms / 1000)
    try:
        dst = sqlite3.connect(target)
        try:
            src.backup(dst, pages=-1)
            # A self-contained file: no -wal/-shm appear next to it when it is checked or moved.
            dst.execute("PRAGMA journal_mode=DELETE")
            _empty(dst, empty_tables)
        finally:
            dst.close()
    except sqlite3.Error as exc:
        raise SnapshotError(f"SQLite backup failed: {exc}") from exc
    finally:
        src.close()
    # No fsync: the snapshot is a temporary file; only the finished archive must be durable.


def _empty(conn: sqlite3.Connection, tables: tuple[str, ...]) -> None:
    if not tables:
        return
    present = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    conn.execute("PRAGMA secure_delete=ON")
    with conn:
        for table in tables:
            if table in present:
                conn.execute(f'DELETE FROM "{table}"')


def sqlite_check(path: Path) -> None:
    """``PRAGMA integrity_check`` and ``foreign_key_check``; raise with the first problems found."""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise SnapshotError(f"database cannot be opened: {exc}") from exc
    try:
        rows = [r[0] for r in conn.execute("PRAGMA integrity_check(20)").fetchall()]
        if rows != ["ok"]:
            raise SnapshotError("database integrity check failed: " + "; ".join(map(str, rows[:5])))
        violations = conn.execute("PRAGMA foreign_key_check").fetchall()
        if violations:
            shown = ", ".join(f"{t} row {rowid} -> {parent}" for t, rowid, parent, _ in violations[:5])
            raise SnapshotError(f"database has {len(violations)} foreign key violation(s): {shown}")
    except sqlite3.DatabaseError as exc:
        raise SnapshotError(f"database is damaged: {exc}") from exc
    finally:
        conn.close()


def sqlite_migrations(path: Path) -> dict[str, list[str]]:
    """Applied migrations per app read from a snapshot's ``django_migrations`` table."""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise SnapshotError(f"database cannot be opened: {exc}") from exc
    try:
        rows = conn.execute("SELECT app, name FROM django_migrations ORDER BY id").fetchall()
    except sqlite3.DatabaseError as exc:
        raise SnapshotError(f"database has no readable migration table: {exc}") from exc
    finally:
        conn.close()
    applied: dict[str, list[str]] = {}
    for app, name in rows:
        applied.setdefault(app, []).append(name)
    return applied


# --- PostgreSQL -----------------------------------------------------------------------------

def _pg_tool(name: str) -> str:
    found = shutil.which(name)
    if not found:
        raise SnapshotError(
            f"{name} not found on PATH: install the PostgreSQL client tools matching the server "
            "version (e.g. apt-get install postgresql-client)"
        )
    return found


def pg_conninfo(settings_dict: dict) -> tuple[list[str], dict[str, str]]:
    """Command-line connection arguments and environment for the libpq tools."""
    args = []
    if settings_dict.get("HOST"):
        args += ["--host", str(settings_dict["HOST"])]
    if settings_dict.get("PORT"):
        args += ["--port", str(settings_dict["PORT"])]
    if settings_dict.get("USER"):
        args += ["--username", str(settings_dict["USER"])]
    env = {**os.environ}
    if settings_dict.get("PASSWORD"):
        # Via the environment: a password in argv is visible to every user in ps.
        env["PGPASSWORD"] = str(settings_dict["PASSWORD"])
    sslmode = (settings_dict.get("OPTIONS") or {}).get("sslmode")
    if sslmode:
        env["PGSSLMODE"] = str(sslmode)
    return args, env


def _run(cmd: list[str], env: dict[str, str], what: str, **kwargs) -> subprocess.CompletedProcess:
    result = subprocess.run(cmd, env=env, capture_output=True, **kwargs)
    if result.returncode != 0:
        err = result.stderr.decode("utf-8", "replace").strip().splitlines()
        raise SnapshotError(f"{what} failed: {' '.join(err[-3:]) or f'exit code {result.returncode}'}")
    return result


def pg_dump(settings_dict: dict, target: Path, *, empty_tables: tuple[str, ...] = ()) -> None:
    """Custom-format dump (``-Fc``): compressed, and ``pg_restore`` can check and list it.

    ``empty_tables`` keep their definition in the dump but none of their rows.
    """
    args, env = pg_conninfo(settings_dict)
    args += [f"--exclude-table-data={table}" for table in empty_tables]
    # A lock-wait limit: a long DDL (migration) in progress fails the backup instead of hanging it.
    cmd = [_pg_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", "--lock-wait-timeout=120s",
           "--file", str(target), *args, str(settings_dict["NAME"])]
    _run(cmd, env, "pg_dump")
    fsync_file(target)


def pg_check(path: Path) -> None:
    """The dump lists and reads to its end (a truncated dump fails the full read)."""
    env = {**os.environ}
    tool = _pg_tool("pg_restore")
    _run([tool, "--list", str(path)], env, "pg_restore --list")
    _run([tool, "--file", os.devnull, str(path)], env, "pg_restore (full read)")


def pg_restore(settings_dict: dict, dump: Path) -> None:
    """Replace the database content with the dump, all or nothing.

    The ``public`` schema is dropped and re-created in the same transaction as the restore:
    tables a newer schema added are gone too, so migrations of an older backup apply cleanly,
    and any error rolls everything back (``psql --single-transaction``, ``ON_ERROR_STOP``).
    """
    args, env = pg_conninfo(settings_dict)
    psql_cmd = [_pg_tool("psql"), "--no-psqlrc", "--quiet", "--single-transaction", "--set", "ON_ERROR_STOP=1",
                *args, "--dbname", str(settings_dict["NAME"]), "--file", "-"]
    restore_cmd = [_pg_tool("pg_restore"), "--no-owner", "--no-privileges", "--file", "-", str(dump)]
    # Streamed: the SQL script of a large dump never sits in memory.
    with tempfile.TemporaryFile() as psql_err, tempfile.TemporaryFile() as restore_err:
        psql = subprocess.Popen(psql_cmd, env=env, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=psql_err)
        assert psql.stdin is not None
        producer_rc = -1
        try:
            psql.stdin.write(b"DROP SCHEMA IF EXISTS public CASCADE;\nCREATE SCHEMA public;\n")
            psql.stdin.flush()
            producer_rc = subprocess.run(restore_cmd, env=env, stdout=psql.stdin, stderr=restore_err).returncode
        finally:
            if producer_rc != 0:
                # Killed before end of input: psql never reaches COMMIT, the old data stays.
                psql.kill()
            psql.stdin.close()
            psql.wait()
        for rc, err, what in ((producer_rc, restore_err, "pg_restore"), (psql.returncode, psql_err, "restore into PostgreSQL")):
            if rc != 0:
                err.seek(0)
                lines = err.read().decode("utf-8", "replace").strip().splitlines()
                raise SnapshotError(f"{what} failed: {' '.join(lines[-3:]) or f'exit code {rc}'}")
