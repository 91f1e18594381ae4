"""A real ``manage.py worker`` on the test database, for the tests that need a running one."""

from __future__ import annotations

import os

from django.conf import settings
from django.db import connection

from tests.core.manage_process import ManageProcess


def database_url() -> str:
    """The URL of the database the tests run on (the test database, not the configured one)."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    user = db.get("USER") or "postgres"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{user}{password}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"


class WorkerProcess(ManageProcess):
    """``manage.py worker`` on the test database."""

    def __init__(self, data_dir, *args: str) -> None:
        super().__init__(["worker", *args], {"CHRONOS_DATA_DIR": str(data_dir), "DATABASE_URL": database_url(),
                                             "REDIS_URL": settings.REDIS_URL or ""})

    def wait_started(self, timeout: float = 60) -> None:
        assert self.started.wait(timeout), self.output()[-2000:]

    def kill(self) -> None:
        import signal

        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        if self.proc.poll() is None:
            self.proc.wait()
