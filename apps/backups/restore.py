"""Restore a backup archive over the configured database, all checks first.

Order: verify every hash and the database in a staging folder -> refuse a newer schema ->
refuse while the app runs (unless forced) -> keep the current database -> swap in the
snapshot with an atomic rename -> migrate -> put uploads/plugins back. Anything that fails
before the swap leaves the live database untouched; a failure after it puts the old one back.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import tempfile
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.db import connections
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone

from apps.backups import archive, guard, paths, services, snapshot
from apps.backups.archive import ArchiveError, Manifest
from apps.backups.snapshot import SnapshotError, fsync_dir, fsync_file
from apps.ingest.pipeline import custom_dir as custom_plugins_dir

Out = Callable[[str], None]


class RestoreError(Exception):
    """The restore was refused or failed; the live database is as it was."""


def schema_difference(applied: dict[str, list[str]]) -> tuple[list[str], list[str]]:
    """``(unknown, pending)``: migrations the backup has that this code lacks, and the reverse."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    known = set(loader.disk_migrations)
    replaced_by: dict[tuple[str, str], list[tuple[str, str]]] = {
        key: list(migration.replaces or []) for key, migration in loader.disk_migrations.items()
    }
    replaced = {r for targets in replaced_by.values() for r in targets}
    done = {(app, name) for app, names in applied.items() for name in names}
    unknown = sorted(f"{app}.{name}" for app, name in done - known - replaced)
    pending = []
    for key in loader.graph.nodes:
        if key in done or (replaced_by.get(key) and all(r in done for r in replaced_by[key])):
            continue
        pending.append(f"{key[0]}.{key[1]}")
    return unknown, sorted(pending)


def _stamp() -> str:
    return timezone.now().astimezone(services.UTC).strftime("%Y%m%d-%H%M%S")


def restore(path: Path, *, force: bool = False, out: Out = print) -> None:
    path = Path(path)
    if not path.is_file():
        raise RestoreError(f"{path} does not exist or is not a file")
    connection = connections["default"]
    vendor = connection.vendor
    live = Path(connection.settings_dict["NAME"]) if vendor == "sqlite" else None
    # Staging next to the live file: the final rename must not cross file systems.
    staging_parent = live.parent if live is not None else paths.backup_dir()
    staging_parent.mkdir(parents=True, exist_ok=True)
    try:
        with guard.exclusive(paths.backup_dir()):
            staging = Path(tempfile.mkdtemp(dir=staging_parent, prefix=".restore-"))
            try:
                _restore(path, staging, connection, vendor, live, force=force, out=out)
            finally:
                shutil.rmtree(staging, ignore_errors=True)
    except guard.Busy as exc:
        raise RestoreError(str(exc)) from exc


def _restore(path: Path, staging: Path, connection, vendor: str, live: Path | None, *, force: bool, out: Out) -> None:
    try:
        manifest = archive.verify_archive(path, staging)
        db_file = services.check_database(manifest, staging)
    except (ArchiveError, SnapshotError) as exc:
        raise RestoreError(f"{path.name} failed verification: {exc}. Nothing was changed.") from exc
    out(f"verified {path.name}: {len(manifest.files)} file(s), hashes match, database check ok "
        f"(Chronos {manifest.data.get('version', '?')}, taken {manifest.data.get('created_at', '?')})")
    if manifest.vendor != vendor:
        raise RestoreError(f"{path.name} holds a {manifest.vendor} database but this installation uses {vendor}. "
                           "Nothing was changed.")
    applied = manifest.migrations
    if vendor == "sqlite":
        for app, names in snapshot.sqlite_migrations(db_file).items():
            applied[app] = sorted(set(applied.get(app, [])) | set(names))
    unknown, pending = schema_difference(applied)
    if unknown:
        raise RestoreError(
            f"{path.name} comes from a newer schema than this code: it has migration(s) "
            f"{', '.join(unknown[:10])} that this version does not know. Restore it with a Chronos version "
            "at least as new as the one that made it. Nothing was changed."
        )
    if not force:
        reasons = guard.running_reasons(connection) if _database_exists(connection, live) else []
        if reasons:
            raise RestoreError("Chronos seems to be running: " + "; ".join(reasons)
                               + ". Stop the web server and the worker first (or pass --force). Nothing was changed.")
    connections.close_all()
    stamp = _stamp()
    if vendor == "sqlite":
        assert live is not None
        kept = _swap_sqlite(db_file, live, stamp, out)
    else:
        kept = _swap_postgres(db_file, connection.settings_dict, stamp, out)
    try:
        if pending:
            out(f"the backup is from an older schema: applying {len(pending)} migration(s)")
        call_command("migrate", interactive=False, verbosity=0)
        _forget_private_rows()
    except Exception as exc:
        connections.close_all()
        _roll_back(vendor, live, kept, connection.settings_dict)
        raise RestoreError(f"migrations failed after the restore ({exc}); the previous database was put back") from exc
    if vendor == "sqlite":
        assert live is not None
        try:
            snapshot.sqlite_check(live)
        except SnapshotError as exc:
            connections.close_all()
            _roll_back(vendor, live, kept, connection.settings_dict)
            raise RestoreError(f"the restored database failed its check ({exc}); the previous one was put back") from exc
        out("integrity check of the restored database: ok")
    _restore_tree(staging / "uploads", Path(settings.MEDIA_ROOT), stamp, "uploads", out)
    _restore_tree(staging / "plugins", custom_plugins_dir(), stamp, "custom plugins", out)
    _offer_config(manifest, staging, stamp, out)
    services.reconcile(lock_held=True)
    out("restore finished: start Chronos again")


def _forget_private_rows() -> None:
    """Archives written before backups left these tables out may still carry them."""
    with connections["default"].cursor() as cursor:
        for table in services.private_tables():
            cursor.execute(f"DELETE FROM {connections['default'].ops.quote_name(table)}")


def _database_exists(connection, live: Path | None) -> bool:
    # Opening a missing SQLite file would create an empty one: do not ask it for heartbeats.
    return live is None or live.exists()


def _swap_sqlite(new_db: Path, live: Path, stamp: str, out: Out) -> Path | None:
    kept: Path | None = None
    if live.exists():
        try:
            conn = sqlite3.connect(live, timeout=5)
            try:
                # Fold the WAL into the main file so the kept copy is complete on its own.
                conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            finally:
                conn.close()
        except sqlite3.Error:
            pass  # a damaged live database is kept exactly as it is
        kept = live.with_name(f"{live.name}.pre-restore-{stamp}")
        try:
            os.link(live, kept)  # the live name keeps pointing at the old file until the rename
        except OSError:
            shutil.copy2(live, kept)
        wal = Path(f"{live}-wal")
        if wal.exists() and wal.stat().st_size > 0:
            shutil.copy2(wal, f"{kept}-wal")
        out(f"kept the current database as {kept}")
    fsync_file(new_db)
    os.replace(new_db, live)
    # A WAL left from the old file would be replayed onto the new one and corrupt it.
    removed = [suffix for suffix in ("-wal", "-shm") if _unlink(Path(f"{live}{suffix}"))]
    fsync_dir(live.parent)
    if removed:
        out(f"removed stale {' and '.join(removed)} file(s)")
    out(f"put the snapshot in place as {live}")
    return kept


def _unlink(path: Path) -> bool:
    try:
        path.unlink()
        return True
    except FileNotFoundError:
        return False


def _swap_postgres(dump: Path, settings_dict: dict, stamp: str, out: Out) -> Path:
    kept = paths.backup_dir() / f"pre-restore-{stamp}.dump"
    try:
        snapshot.pg_dump(settings_dict, kept)
        out(f"kept the current database as {kept}")
        snapshot.pg_restore(settings_dict, dump)
    except SnapshotError as exc:
        raise RestoreError(f"{exc}. The database was left as it was.") from exc
    out(f"restored the dump into database {settings_dict['NAME']}")
    return kept


def _roll_back(vendor: str, live: Path | None, kept: Path | None, settings_dict: dict) -> None:
    if vendor == "sqlite":
        assert live is not None
        if kept is None:
            live.unlink(missing_ok=True)
        else:
            tmp = live.with_name(f".{live.name}.rollback")
            tmp.unlink(missing_ok=True)
            os.link(kept, tmp)
            os.replace(tmp, live)
        for suffix in ("-wal", "-shm"):
            _unlink(Path(f"{live}{suffix}"))
    elif kept is not None:
        snapshot.pg_restore(settings_dict, kept)


def _restore_tree(source: Path, target: Path, stamp: str, label: str, out: Out) -> None:
    if not source.is_dir():
        return
    if target.exists():
        aside = target.with_name(f"{target.name}.pre-restore-{stamp}")
        shutil.move(str(target), str(aside))
        out(f"kept the current {label} folder as {aside}")
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(str(source), str(target))
    out(f"restored {label} into {target}")


def _offer_config(manifest: Manifest, staging: Path, stamp: str, out: Out) -> None:
    # Paths and secrets differ between machines: the live config is never overwritten.
    for entry in manifest.files:
        if entry["path"].startswith("config/"):
            source = staging.joinpath(*entry["path"].split("/"))
            target = Path(settings.DATA_DIR) / f"{source.name}.from-backup-{stamp}"
            shutil.copy2(source, target)
            out(f"the backup's configuration is in {target} (your current configuration was not changed)")

