"""Web processes checkpoint the SQLite WAL in a background thread, not inside commits."""

from __future__ import annotations

import sqlite3
import threading
import time

import pytest
from django.db import connection

from apps.core import walcheckpoint


def _writer(path) -> sqlite3.Connection:
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA wal_autocheckpoint=100000")  # commits never checkpoint by themselves here
    db.execute("CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, body TEXT)")
    return db


def _rows_in_database_file(path) -> int:
    """Rows visible in the main database file alone, ignoring what is still only in the WAL."""
    for _ in range(50):
        reader = sqlite3.connect(f"file:{path}?immutable=1", uri=True)
        try:
            return reader.execute("SELECT COUNT(*) FROM t").fetchone()[0]
        except sqlite3.OperationalError:  # the table itself is still only in the WAL
            return 0
        except sqlite3.DatabaseError:
            # An immutable read takes no lock, so it can meet pages a checkpoint is writing
            # right now ("malformed"): read again once that write is through.
            time.sleep(0.02)
        finally:
            reader.close()
    raise AssertionError("the database file never read back whole")


def _wait_for_rows_in_database_file(path, n: int) -> int:
    deadline = time.monotonic() + 10
    while _rows_in_database_file(path) < n and time.monotonic() < deadline:
        time.sleep(0.05)
    return _rows_in_database_file(path)


def _write(db, n: int) -> None:
    for i in range(n):
        db.execute("INSERT INTO t (body) VALUES (?)", ["x" * 500 + str(i)])


def test_committed_pages_reach_the_database_file_without_a_commit_checkpointing(tmp_path):
    path = str(tmp_path / "wal.db")
    db = _writer(path)
    _write(db, 300)
    time.sleep(0.3)
    assert _rows_in_database_file(path) == 0  # nothing copied back without a checkpointer
    stop = threading.Event()
    thread = threading.Thread(target=walcheckpoint.run, args=(path, 0.05, stop), daemon=True)
    thread.start()
    try:
        assert _wait_for_rows_in_database_file(path, 300) == 300
        _write(db, 50)  # the writer carries on while the thread runs
        assert _wait_for_rows_in_database_file(path, 350) == 350
    finally:
        stop.set()
        thread.join(5)
        db.close()
    assert not thread.is_alive()


def test_a_long_read_transaction_only_delays_the_pages_it_still_reads(tmp_path):
    path = str(tmp_path / "wal.db")
    db = _writer(path)
    _write(db, 10)
    reader = sqlite3.connect(path, isolation_level=None)
    reader.execute("BEGIN")
    assert reader.execute("SELECT COUNT(*) FROM t").fetchone()[0] == 10  # a snapshot at 10 rows
    stop = threading.Event()
    thread = threading.Thread(target=walcheckpoint.run, args=(path, 0.02, stop), daemon=True)
    thread.start()
    try:
        _write(db, 20)  # writers go on while the reader and the checkpointer are active
        assert reader.execute("SELECT COUNT(*) FROM t").fetchone()[0] == 10
        reader.execute("COMMIT")
        assert _wait_for_rows_in_database_file(path, 30) == 30
    finally:
        stop.set()
        thread.join(5)
        reader.close()
        db.close()


def test_one_thread_per_process_and_none_for_memory_or_when_switched_off(tmp_path, monkeypatch):
    monkeypatch.setattr(walcheckpoint, "_running_in", None)
    assert walcheckpoint.start(str(tmp_path / "x.db"), 0) is None
    assert walcheckpoint.start(":memory:", 1) is None
    stop = walcheckpoint.start(str(tmp_path / "x.db"), 0.05)
    try:
        assert stop is not None
        assert walcheckpoint.start(str(tmp_path / "x.db"), 0.05) is None
    finally:
        stop.set()


@pytest.mark.django_db
def test_connections_leave_checkpoints_to_the_thread_up_to_the_configured_size():
    if connection.vendor != "sqlite":
        pytest.skip("SQLite only")
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_autocheckpoint")
        assert cursor.fetchone()[0] == 10000
