"""A real ``manage.py worker`` on the test database, for the tests that need a running one."""

from __future__ import annotations

import os
import subprocess
import sys
import threading

from django.conf import settings
from django.db import connection


def database_url() -> str:
    """The URL of the database the tests run on (the test database, not the configured one)."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    user = db.get("USER") or "postgres"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{user}{password}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"


class WorkerProcess:
    """``manage.py worker`` in a process group of its own; its output in ``lines``."""

    def __init__(self, data_dir, *args: str) -> None:
        env = {**os.environ, "CHRONOS_DATA_DIR": str(data_dir), "DATABASE_URL": database_url(),
               "REDIS_URL": settings.REDIS_URL or ""}
        for name in ("DJANGO_SETTINGS_MODULE", "CHRONOS_TEST_DB_SUFFIX", "CHRONOS_TESTING"):
            env.pop(name, None)
        self.proc = subprocess.Popen([sys.executable, "manage.py", "worker", *args], cwd=settings.BASE_DIR, env=env,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                     start_new_session=True)
        self.lines: list[str] = []
        self.started = threading.Event()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.lines.append(line)
            if "worker started" in line:
                self.started.set()

    def output(self) -> str:
        return "".join(self.lines)

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
