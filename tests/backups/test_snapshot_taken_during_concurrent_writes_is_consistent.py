from __future__ import annotations

import sqlite3
import threading

from apps.backups import snapshot


def _make_db(path):
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("CREATE TABLE item (id INTEGER PRIMARY KEY, payload BLOB NOT NULL)")
    conn.execute("CREATE TABLE total (id INTEGER PRIMARY KEY CHECK (id = 1), n INTEGER NOT NULL)")
    conn.execute("INSERT INTO total VALUES (1, 0)")
    # Enough pages that the copy takes a while and overlaps many commits.
    conn.executemany("INSERT INTO item (payload) VALUES (?)", ((b"x" * 2000,) for _ in range(5000)))
    conn.execute("UPDATE total SET n = 5000")
    conn.commit()
    conn.close()


def test_a_snapshot_taken_while_a_writer_commits_is_a_consistent_prefix(tmp_path):
    live, snap = tmp_path / "live.db", tmp_path / "snap.db"
    _make_db(live)
    stop, started, commits = threading.Event(), threading.Event(), []

    def writer():
        conn = sqlite3.connect(live, timeout=5)
        conn.execute("PRAGMA busy_timeout=5000")
        while not stop.is_set():
            # Each transaction adds a row and bumps the counter: a torn snapshot would disagree.
            with conn:
                conn.execute("INSERT INTO item (payload) VALUES (?)", (b"y" * 2000,))
                conn.execute("UPDATE total SET n = n + 1")
            commits.append(1)
            started.set()
        conn.close()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        assert started.wait(5)
        snapshot.sqlite_snapshot(live, snap)
        during = len(commits)
    finally:
        stop.set()
        thread.join(10)

    snapshot.sqlite_check(snap)
    conn = sqlite3.connect(snap)
    count, max_id = conn.execute("SELECT count(*), max(id) FROM item").fetchone()
    (total,) = conn.execute("SELECT n FROM total").fetchone()
    conn.close()
    assert count == total == max_id  # rows 1..n with no gap, and the counter of the same transaction
    assert 5000 < count <= 5000 + during + 1
    assert len(commits) > 0
