"""Backup and restore benchmark on a ~1 GB SQLite database with a writer committing meanwhile.

1. Migrates a fresh SQLite file in a temporary data dir, then fills a table with ~1 GB of
   text rows (raw sqlite3, executemany, the app's default page size).
2. Starts a writer thread that commits one small row every ``--writer-interval-ms`` and
   records how long each commit took and the longest gap between two commits.
3. Runs the real backup (``services.build_archive``: snapshot, integrity and foreign key
   checks, zip with hashes, fsync, rename) and then the verification read-back.
4. Stops the writer and runs the real restore (``restore.restore`` with ``force``: verify in a
   staging folder, keep the old file, atomic rename, migrate, integrity check).
5. With ``--compare-level N``, also times the pack at another compression level.

Prints one JSON object. Needs ~4x the database size free in the temp folder.

    .venv/bin/python bench/backup.py [--size-mb 1024]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sqlite3
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The bench folder is not a package: keep it off sys.path so nothing here shadows a module.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

WORDS = ("meeting review sprint planning calendar follow up notes agenda budget design launch customer "
         "invoice travel lunch call weekly monthly quarterly report draft urgent later maybe office "
         "remote onsite product release backlog retro standup demo training hiring interview").split()


def _payloads(count: int, size: int, rng: random.Random) -> list[str]:
    out = []
    for _ in range(count):
        text = []
        length = 0
        while length < size:
            word = rng.choice(WORDS) if rng.random() < 0.8 else f"{rng.getrandbits(40):x}"
            text.append(word)
            length += len(word) + 1
        out.append(" ".join(text)[:size])
    return out


def fill(db: Path, size_mb: int) -> int:
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute("CREATE TABLE bench_note (id INTEGER PRIMARY KEY, created REAL NOT NULL, body TEXT NOT NULL)")
    rng = random.Random(7)
    pool = _payloads(2000, 4000, rng)
    target = size_mb * 1024 * 1024
    rows, batch = 0, 5000
    while db.stat().st_size + (db.with_name(db.name + "-wal").stat().st_size if db.with_name(db.name + "-wal").exists() else 0) < target:
        conn.executemany("INSERT INTO bench_note (created, body) VALUES (?, ?)",
                         ((time.time(), pool[(rows + i) % len(pool)]) for i in range(batch)))
        conn.commit()
        rows += batch
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return rows


class Writer(threading.Thread):
    def __init__(self, db: Path, interval_ms: float) -> None:
        super().__init__(daemon=True)
        self.db, self.interval = db, interval_ms / 1000
        self.stop = threading.Event()
        self.window = threading.Event()  # set while the backup runs
        self.commits = 0
        self.max_commit_ms = 0.0
        self.max_gap_ms = 0.0
        self.max_at = 0.0
        self.errors: list[str] = []

    def run(self) -> None:
        conn = sqlite3.connect(self.db, timeout=30)
        conn.execute("PRAGMA busy_timeout=30000")
        conn.execute("PRAGMA synchronous=NORMAL")
        last = time.perf_counter()
        while not self.stop.is_set():
            started = time.perf_counter()
            try:
                with conn:
                    conn.execute("INSERT INTO bench_note (created, body) VALUES (?, 'tick')", (time.time(),))
            except sqlite3.Error as exc:
                self.errors.append(str(exc))
            done = time.perf_counter()
            if self.window.is_set():
                self.commits += 1
                self.max_commit_ms = max(self.max_commit_ms, (done - started) * 1000)
                gap = (done - last) * 1000 - self.interval * 1000
                if gap > self.max_gap_ms:
                    self.max_gap_ms, self.max_at = gap, done
            last = done
            time.sleep(self.interval)
        conn.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size-mb", type=int, default=1024)
    parser.add_argument("--writer-interval-ms", type=float, default=5.0)
    parser.add_argument("--compare-level", type=int, default=None,
                        help="also time the pack at this compression level (0 stored, 1..9 deflate)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="chronos-bench-backup-"))
    os.environ.update(CHRONOS_DATA_DIR=str(workdir), SECRET_KEY="bench-secret-key-0123456789-0123456789-012",
                      DJANGO_SETTINGS_MODULE="chronos.settings")
    for name in ("DATABASE_URL", "REDIS_URL", "CHRONOS_TESTING"):
        os.environ.pop(name, None)
    try:
        import django

        django.setup()
        from django.conf import settings
        from django.core.management import call_command
        from django.db import connections

        from apps.backups import services
        from apps.backups.restore import restore

        settings.CHRONOS.setdefault("backups", {})["include_plugins"] = False
        from apps.backups import archive, snapshot

        phases: list[tuple[str, float, float]] = []

        def timed(module, name):
            real = getattr(module, name)

            def wrapper(*a, **kw):
                start = time.perf_counter()
                try:
                    return real(*a, **kw)
                finally:
                    phases.append((name, start, time.perf_counter()))

            setattr(module, name, wrapper)

        for module, name in ((snapshot, "sqlite_snapshot"), (snapshot, "sqlite_check"), (archive, "write_archive")):
            timed(module, name)
        call_command("migrate", verbosity=0)
        connections.close_all()
        db = Path(settings.DATABASES["default"]["NAME"])

        t0 = time.perf_counter()
        rows = fill(db, args.size_mb)
        # The fill ran with synchronous=OFF: flush its gigabyte now, or the writer's first
        # checkpoint fsync would pay for it and be counted as a backup stall.
        os.sync()
        fill_s = time.perf_counter() - t0
        db_bytes = db.stat().st_size

        writer = Writer(db, args.writer_interval_ms)
        writer.start()
        time.sleep(0.5)
        writer.window.set()
        t0 = time.perf_counter()
        phases.clear()
        path, archive_bytes = services.build_archive(services.new_name(django.utils.timezone.now()), trigger="manual")
        backup_s = time.perf_counter() - t0
        writer.window.clear()
        backup_phases = {name: round(end - start, 2) for name, start, end in phases}
        stall_phase = next((name for name, start, end in phases if start <= writer.max_at <= end), "between phases")
        t0 = time.perf_counter()
        services.verify_file(path)
        verify_s = time.perf_counter() - t0
        writer.stop.set()
        writer.join()

        level = services.conf.get().compression_level
        compared = {}
        if args.compare_level is not None:
            settings.CHRONOS["backups"]["compression_level"] = args.compare_level
            t0 = time.perf_counter()
            other_path, other_bytes = services.build_archive(
                services.new_name(django.utils.timezone.now()), trigger="manual")
            compared = {"compared_level": args.compare_level,
                        "compared_backup_seconds": round(time.perf_counter() - t0, 2),
                        "compared_archive_bytes": other_bytes}
            other_path.unlink()

        connections.close_all()
        t0 = time.perf_counter()
        restore(path, force=True, out=lambda line: None)
        restore_s = time.perf_counter() - t0
        connections.close_all()

        result = {
            "database_bytes": db_bytes,
            "rows": rows,
            "fill_seconds": round(fill_s, 1),
            "backup_seconds": round(backup_s, 2),
            "archive_bytes": archive_bytes,
            "compression_level": level,
            "verify_seconds": round(verify_s, 2),
            "restore_seconds": round(restore_s, 2),
            "writer_commits_during_backup": writer.commits,
            "writer_longest_commit_ms": round(writer.max_commit_ms, 1),
            "writer_longest_stall_ms": round(max(writer.max_gap_ms, writer.max_commit_ms), 1),
            "writer_errors": len(writer.errors),
            "backup_phase_seconds": backup_phases,
            "longest_stall_during": stall_phase,
            "targets": {"backup_seconds": 15, "writer_longest_stall_ms": 200, "restore_seconds": 30},
            **compared,
        }
        print(json.dumps(result))
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
