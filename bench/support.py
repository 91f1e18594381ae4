"""Helpers shared by the benchmark scripts (imported as ``bench.support`` with the repo on sys.path)."""

from __future__ import annotations

import os
import socket


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def bench_env(data_dir: str, database_url: str | None = None) -> dict:
    """Environment for a server or worker process of a benchmark: its own data dir and database."""
    env = dict(os.environ)
    env.update(
        CHRONOS_DATA_DIR=data_dir,
        DATABASE_URL=database_url or f"sqlite:///{data_dir}/chronos.db",
        REDIS_URL="",
        SECRET_KEY="bench-secret-key-0123456789-0123456789-0123456789",
        DJANGO_SETTINGS_MODULE="chronos.settings",
    )
    env.pop("CHRONOS_TESTING", None)
    return env
