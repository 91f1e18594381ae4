"""A real ``manage.py`` command in a process group of its own, its output collected in ``lines``."""

from __future__ import annotations

import os
import subprocess
import sys
import threading

from django.conf import settings

# Set by the test run itself; a child process must read its own configuration.
_TEST_ONLY = ("DJANGO_SETTINGS_MODULE", "CHRONOS_TEST_DB_SUFFIX", "CHRONOS_TESTING")


class ManageProcess:
    def __init__(self, argv: list[str], env: dict[str, str]) -> None:
        env = {**os.environ, **env}
        for name in _TEST_ONLY:
            env.pop(name, None)
        self.proc = subprocess.Popen([sys.executable, "manage.py", *argv], cwd=settings.BASE_DIR, env=env,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                     start_new_session=True)
        self.lines: list[str] = []
        self.started = threading.Event()  # set once the worker says it has started
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.lines.append(line)
            if "worker started" in line:
                self.started.set()

    def output(self) -> str:
        return "".join(self.lines)
