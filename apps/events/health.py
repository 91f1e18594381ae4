"""The ``search`` part of ``/health``: the full-text objects exist and answer a query."""

from __future__ import annotations

import time

from django.db import connection

from apps.events import unmanaged


def check_search() -> dict:
    started = time.perf_counter()
    missing = sorted(unmanaged.expected() - unmanaged.installed())
    if missing:
        return {"status": "down", "missing": missing}
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"SELECT rowid FROM {unmanaged.FTS} WHERE {unmanaged.FTS} MATCH %s LIMIT 1", ['"health"'])
        else:
            cursor.execute("SELECT plainto_tsquery('simple', %s)", ["health"])
        cursor.fetchall()
    return {"status": "ok", "engine": "fts5" if connection.vendor == "sqlite" else "postgresql",
            "latency_ms": round((time.perf_counter() - started) * 1000, 2)}
