"""Creating, verifying, listing and pruning backups."""

from __future__ import annotations

import logging
import os
import tempfile
import zoneinfo
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.db import connections
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

from apps.backups import archive, guard, paths, retention, snapshot
from apps.backups.archive import ArchiveError, Manifest
from apps.backups.models import NAME_RE, Backup
from apps.backups.snapshot import SnapshotError
from apps.ingest.pipeline import custom_dir as custom_plugins_dir
from chronos.config import current

logger = logging.getLogger("chronos.backups")

UTC = zoneinfo.ZoneInfo("UTC")
DB_MEMBER = {"sqlite": "database/chronos.db", "postgresql": "database/chronos.dump"}


class BackupError(Exception):
    """A backup or its verification failed; the message says why, for people."""


class InvalidName(ValueError):
    """Not the name of a backup archive (e.g. a path)."""


def archive_path(name: str) -> Path:
    """The archive's path; only plain backup names are accepted, so no path can escape the folder."""
    if not NAME_RE.fullmatch(name or ""):
        raise InvalidName(f"{name!r} is not a backup name (expected chronos-YYYYmmdd-HHMMSS.zip)")
    return paths.backup_dir() / name


def new_name(now: datetime) -> str:
    stamp = now.astimezone(UTC)
    base = f"chronos-{stamp:%Y%m%d-%H%M%S}"
    directory = paths.backup_dir()
    for n in range(0, 1000):
        name = f"{base}.zip" if n == 0 else f"{base}-{n}.zip"
        if not (directory / name).exists() and not Backup.objects.filter(name=name).exists():
            return name
    raise BackupError("more than 1000 backups in one second")


def _database_settings() -> dict:
    return connections["default"].settings_dict


def _tree(root: Path, prefix: str) -> list[tuple[str, Path]]:
    if not root.is_dir():
        return []
    members = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
        for filename in sorted(filenames):
            path = Path(dirpath, filename)
            if path.is_file() and not path.is_symlink():
                members.append((f"{prefix}/{path.relative_to(root).as_posix()}", path))
    return members


def private_tables() -> tuple[str, ...]:
    """Tables whose rows must not leave the machine in a backup.

    Login sessions: a session key is the admin cookie itself, so anyone holding the archive could
    sign in. Idempotency records: they hold whole response bodies, which may carry a secret shown
    once. Both are short-lived by nature; a restored instance starts with everyone logged out and
    replays forgotten, which the idempotency contract allows (records expire anyway).
    """
    from django.contrib.sessions.models import Session

    from apps.core.models import IdempotencyRecord

    return (Session._meta.db_table, IdempotencyRecord._meta.db_table)


def build_archive(name: str, *, trigger: str, now: datetime | None = None) -> tuple[Path, int]:
    """Snapshot, check and pack; return ``(path, size)``. Raises :class:`BackupError`."""
    cfg = current().backups
    now = now or timezone.now()
    folder = paths.backup_dir()
    target = folder / name
    connection = connections["default"]
    try:
        with guard.exclusive(folder), tempfile.TemporaryDirectory(dir=folder, prefix=".work-") as work:
            vendor = connection.vendor
            db_file = Path(work) / Path(DB_MEMBER.get(vendor, "database/db")).name
            if vendor == "sqlite":
                snapshot.sqlite_snapshot(Path(connection.settings_dict["NAME"]), db_file,
                                         empty_tables=private_tables())
                snapshot.sqlite_check(db_file)
                migrations = snapshot.sqlite_migrations(db_file)
            elif vendor == "postgresql":
                migrations = _applied_migrations(connection)
                snapshot.pg_dump(_database_settings(), db_file, empty_tables=private_tables())
            else:
                raise BackupError(f"backups do not support the {vendor} database")
            members = [(DB_MEMBER[vendor], db_file)]
            config_path = paths.config_file()
            if config_path and config_path.is_file():
                members.append((f"config/{config_path.name}", config_path))
            if cfg.include_uploads:
                members += _tree(Path(settings.MEDIA_ROOT), "uploads")
            if cfg.include_plugins:
                members += _tree(custom_plugins_dir(), "plugins")
            manifest = {
                "app": "chronos",
                "version": settings.VERSION,
                "created_at": now.isoformat(),
                "trigger": trigger,
                "database": {"vendor": vendor, "path": DB_MEMBER[vendor]},
                "migrations": migrations,
            }
            size = archive.write_archive(target, members, manifest, compression_level=cfg.compression_level)
    except (SnapshotError, ArchiveError, guard.Busy) as exc:
        raise BackupError(str(exc)) from exc
    except OSError as exc:
        raise BackupError(f"cannot write the backup: {exc}") from exc
    return target, size


def _applied_migrations(connection) -> dict[str, list[str]]:
    applied: dict[str, list[str]] = {}
    for app, name in MigrationRecorder(connection).migration_qs.order_by("id").values_list("app", "name"):
        applied.setdefault(app, []).append(name)
    return applied


def verify_file(path: Path) -> Manifest:
    """Check every hash and the database inside ``path``. Raises :class:`BackupError`."""
    cfg_dir = paths.backup_dir()
    work_parent = cfg_dir if cfg_dir.is_dir() else None
    try:
        with tempfile.TemporaryDirectory(dir=work_parent, prefix=".verify-") as work:
            manifest = archive.verify_archive(path, Path(work))
            check_database(manifest, Path(work))
            return manifest
    except (ArchiveError, SnapshotError) as exc:
        raise BackupError(str(exc)) from exc


def check_database(manifest: Manifest, extracted: Path) -> Path:
    """The database file of an extracted archive passes its vendor's checks; returns its path."""
    member = manifest.database_member
    if manifest.vendor not in DB_MEMBER or member != DB_MEMBER[manifest.vendor]:
        raise ArchiveError(f"manifest names no usable database (vendor {manifest.vendor!r}, file {member!r})")
    db_file = extracted.joinpath(*member.split("/"))
    if manifest.vendor == "sqlite":
        snapshot.sqlite_check(db_file)
    else:
        snapshot.pg_check(db_file)
    return db_file


def create_backup(*, trigger: str = Backup.Trigger.MANUAL, backup: Backup | None = None) -> Backup:
    """Run one backup now (in this process) and record the outcome on its row; prunes afterwards."""
    now = timezone.now()
    if backup is None:
        backup = Backup.objects.create(name=new_name(now), created_at=now, trigger=trigger)
    cfg = current().backups
    Backup.objects.filter(pk=backup.pk).update(status=Backup.Status.RUNNING)
    try:
        path, size = build_archive(backup.name, trigger=backup.trigger, now=backup.created_at)
    except BackupError as exc:
        logger.error("backup %s failed: %s", backup.name, exc)
        _save(backup, status=Backup.Status.FAILED, error=str(exc), finished_at=timezone.now())
        return backup
    _save(backup, status=Backup.Status.OK, size=size, error="", finished_at=timezone.now(),
          vendor=connections["default"].vendor)
    if cfg.verify_after_backup:
        verify_backup(backup)
    try:
        prune()
    except Exception as exc:  # noqa: BLE001 - a failed prune must not turn a good backup into a failure
        logger.warning("pruning after backup %s failed: %s", backup.name, exc)
    return backup


def _save(backup: Backup, **fields) -> None:
    for key, value in fields.items():
        setattr(backup, key, value)
    Backup.objects.filter(pk=backup.pk).update(**fields)


def verify_backup(backup: Backup) -> Backup:
    now = timezone.now()
    try:
        verify_file(archive_path(backup.name))
    except (BackupError, InvalidName, OSError) as exc:
        _save(backup, verified=False, verified_at=now, error=f"verification failed: {exc}")
    else:
        _save(backup, verified=True, verified_at=now, error="")
    return backup


def set_pinned(backup: Backup, pinned: bool) -> Backup:
    from apps.audit.registry import record

    if backup.pinned != pinned:
        _save(backup, pinned=pinned)
        record(action="backup.pin" if pinned else "backup.unpin", entity="backup", entity_id=backup.pk,
               changes={"pinned": [not pinned, pinned]})
    return backup


def reconcile(*, lock_held: bool = False) -> None:
    """Make the rows match the archives on disk (after a restore, a crash or a manual copy).

    ``lock_held``: the caller holds the backups lock, so no backup can be in progress.
    """
    directory = paths.backup_dir()
    if not directory.is_dir():
        return
    on_disk = {p.name: p for p in directory.iterdir() if NAME_RE.fullmatch(p.name) and p.is_file()}
    rows = {b.name: b for b in Backup.objects.all()}
    for name, path in on_disk.items():
        row = rows.get(name)
        if row is None:
            _adopt(name, path)
        elif row.status != Backup.Status.OK and (lock_held or _not_in_progress(directory)):
            _save(row, status=Backup.Status.OK, size=path.stat().st_size, error="")
    for name, row in rows.items():
        if name not in on_disk and row.status == Backup.Status.OK:
            row.delete()


def _not_in_progress(directory: Path) -> bool:
    try:
        with guard.exclusive(directory):
            return True
    except guard.Busy:
        return False


def _adopt(name: str, path: Path) -> None:
    stat = path.stat()
    created = datetime.fromtimestamp(stat.st_mtime, tz=UTC)
    trigger = Backup.Trigger.MANUAL
    try:
        manifest = archive.read_manifest(path)
        created = datetime.fromisoformat(manifest.data["created_at"])
        trigger = manifest.data.get("trigger") or trigger
    except (ArchiveError, KeyError, TypeError, ValueError):
        pass
    Backup.objects.get_or_create(
        name=name,
        defaults={"created_at": created, "size": stat.st_size, "trigger": trigger, "status": Backup.Status.OK},
    )


def policy() -> retention.Policy:
    cfg = current().backups
    return retention.Policy(daily=cfg.keep_daily, weekly=cfg.keep_weekly, monthly=cfg.keep_monthly)


def prune() -> list[str]:
    """Delete archives the retention policy does not keep; returns their names."""
    # A backup that failed verification is kept for a person to inspect but takes no slot:
    # otherwise a run of broken archives could push the last good one out. Unverified (never
    # checked, verified_at null) backups still count.
    candidates = list(Backup.objects.filter(status=Backup.Status.OK)
                      .exclude(verified=False, verified_at__isnull=False))
    _, forget = retention.select(
        candidates,
        policy=policy(),
        when=lambda b: b.created_at,
        pinned=lambda b: b.pinned,
        tz=zoneinfo.ZoneInfo(settings.TIME_ZONE),
    )
    deleted = []
    for backup in forget:
        try:
            archive_path(backup.name).unlink(missing_ok=True)
        except OSError as exc:
            logger.warning("cannot delete %s: %s", backup.name, exc)
            continue
        backup.delete()
        deleted.append(backup.name)
    if deleted:
        logger.info("pruned %d backup(s): %s", len(deleted), ", ".join(deleted))
    return deleted


def queue_backup(*, trigger: str = Backup.Trigger.MANUAL) -> Backup:
    """Record a backup and hand it to the worker; long backups never hold a web request."""
    from django_q.tasks import async_task

    from apps.audit.registry import record

    now = timezone.now()
    backup = Backup.objects.create(name=new_name(now), created_at=now, trigger=trigger)
    # Asked for by a person or a key (admin "backup now", POST /backups): audited either way.
    record(action="backup.requested", entity="backup", entity_id=backup.pk,
           changes={"name": [None, backup.name], "trigger": [None, backup.trigger]})
    try:
        async_task("apps.backups.tasks.run_backup", backup.pk, task_name=f"backup {backup.name}", group="backups")
    except Exception as exc:  # noqa: BLE001 - broker down: say so on the row instead of leaving it queued forever
        logger.exception("could not queue backup %s", backup.name)
        _save(backup, status=Backup.Status.FAILED, finished_at=timezone.now(),
              error=f"could not hand the backup to the worker (task queue unavailable: {type(exc).__name__})")
        return backup
    backup.refresh_from_db()
    return backup


def delete_backup(backup: Backup) -> None:
    """Remove the archive and its row."""
    try:
        archive_path(backup.name).unlink(missing_ok=True)
    except InvalidName:
        pass
    backup.delete()
