"""Once both children run, ``start`` is a small supervisor: it no longer holds a loaded Django."""

from __future__ import annotations

import psutil
import pytest

from tests.core.start_process import StartProcess


@pytest.mark.slow
def test_start_becomes_the_supervisor_and_holds_a_fraction_of_a_django_process(tmp_path):
    start = StartProcess(tmp_path)
    try:
        start.wait_started()
        supervisor = psutil.Process(start.proc.pid)  # the same process: it replaced itself
        assert supervisor.cmdline()[1].endswith("apps/core/supervisor.py")
        web = psutil.Process(start.web_server_pid())
        assert web.ppid() == supervisor.pid
        children = {" ".join(c.cmdline()) for c in supervisor.children()}
        assert any(f"worker --parent {supervisor.pid}" in c for c in children), children
        # No module of Django (or the database drivers) is mapped into it any more.
        mapped = {m.path for m in supervisor.memory_maps()}
        assert not [p for p in mapped if "_sqlite3" in p or "psycopg" in p or "_ssl" in p], mapped
        assert supervisor.memory_full_info().uss < 20 * 2**20
    finally:
        start.kill()
