"""A real ``manage.py start`` (web server + worker) on a free port, for the tests that need one."""

from __future__ import annotations

import os
import signal
import socket
import time

import psutil

from tests.core.manage_process import ManageProcess


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def group_gone(pgid: int, within: float) -> bool:
    """True once no process of group ``pgid`` is left, False if some still runs after ``within`` s."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.1)
    return False


class StartProcess(ManageProcess):
    """``manage.py start`` in a process group of its own, with its own data dir; output in ``lines``."""

    def __init__(self, data_dir) -> None:
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        super().__init__(["start"], {
            "CHRONOS_DATA_DIR": str(data_dir), "DATABASE_URL": f"sqlite:///{data_dir}/chronos.db", "REDIS_URL": "",
            "CHRONOS_HOST": "127.0.0.1", "CHRONOS_PORT": str(self.port), "CHRONOS_ADMIN_PASSWORD": "start-test-password"})
        self.web_group: int | None = None  # known once started: killed even if start itself died

    def wait_started(self, timeout: float = 120) -> None:
        """Until the worker says it has started and the web server accepts connections."""
        deadline = time.monotonic() + timeout
        assert self.started.wait(timeout), self.output()[-2000:]
        while not self._accepts_connections():
            assert self.proc.poll() is None and time.monotonic() < deadline, self.output()[-2000:]
            time.sleep(0.1)
        try:
            self.web_group = os.getpgid(self.web_server_pid())
        except (StopIteration, psutil.Error, ProcessLookupError):
            self.web_group = None

    def _accepts_connections(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                return True
        except OSError:
            return False

    def web_server_pid(self) -> int:
        """The web server's main process (a child of ``start``, in a process group of its own)."""
        children = psutil.Process(self.proc.pid).children()
        return next(c.pid for c in children if "granian" in " ".join(c.cmdline()))

    def api_key(self) -> str:
        """The admin API key the first start printed."""
        marker = "API key (scope admin): "
        return next(line.split(marker, 1)[1].strip() for line in self.lines if marker in line)

    def finish(self, timeout: float = 60) -> None:
        """Wait for the output to end (after a stop); kill everything left if it does not stop."""
        try:
            self.proc.wait(timeout=timeout)
            self._reader.join(timeout=5)
        finally:
            self.kill()

    def kill(self) -> None:
        """SIGKILL ``start`` and every process group under it (the web server has one of its own)."""
        groups = {self.web_group} if self.web_group is not None else set()
        if self.proc.poll() is None:
            try:
                groups |= {os.getpgid(c.pid) for c in psutil.Process(self.proc.pid).children(recursive=True)}
            except (psutil.Error, ProcessLookupError):
                pass
            groups.add(self.proc.pid)
        for pgid in groups:
            try:
                os.killpg(pgid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        if self.proc.poll() is None:
            self.proc.wait()
