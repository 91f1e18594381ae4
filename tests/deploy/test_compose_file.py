"""deploy/compose.yaml runs: its Chronos commands, started here against the local PostgreSQL and
Redis with the environment the file gives them, come up healthy and share one queue."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import psycopg
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "deploy" / "compose.yaml"
PG_ADMIN = "postgres://postgres@127.0.0.1:5432/postgres"
pytestmark = pytest.mark.slow


def _services() -> dict:
    return yaml.safe_load(COMPOSE.read_text())["services"]


def _expand(value: str, variables: dict) -> str:
    """Compose's ${NAME}, ${NAME:-default} and ${NAME:?message}."""
    def one(match):
        name, op, arg = match["name"], match["op"], match["arg"]
        if name in variables:
            return variables[name]
        if op == ":-":
            return arg
        raise AssertionError(f"{name} must be set: {arg}")
    return re.sub(r"\$\{(?P<name>\w+)(?:(?P<op>:-|:\?)(?P<arg>[^}]*))?\}", one, value)


def test_the_file_declares_what_a_multi_node_install_needs():
    services = _services()
    assert {"postgres", "redis", "migrate", "web", "worker", "proxy"} <= set(services)
    for name in ("web", "worker"):
        assert services[name]["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}
        env = services[name]["environment"]
        assert env["DATABASE_URL"].startswith("postgres://") and env["REDIS_URL"].startswith("redis://")
    assert services["web"]["command"] == ["python", "manage.py", "start", "--no-worker"]
    assert services["worker"]["command"] == ["python", "manage.py", "worker"]
    assert services["migrate"]["command"][:3] == ["python", "manage.py", "migrate"]


@pytest.fixture
def database():
    name = f"chronos_compose_{os.getpid()}"
    try:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as exc:
        pytest.fail(f"PostgreSQL on 127.0.0.1:5432 is needed: {exc}")
    yield f"postgres://postgres@127.0.0.1:5432/{name}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _env(service: dict, database_url: str, tmp_path: Path, **extra) -> dict:
    variables = {"CHRONOS_SECRET_KEY": "compose-test-secret-0123456789-0123456789-0123", "CHRONOS_HOSTNAME": "127.0.0.1"}
    env = {k: _expand(str(v), variables) for k, v in service["environment"].items()}
    # The same settings, pointed at this machine's servers and a data dir of this test.
    env.update(DATABASE_URL=database_url, REDIS_URL="redis://127.0.0.1:6379/13", CHRONOS_DATA_DIR=str(tmp_path), **extra)
    passthrough = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "VIRTUAL_ENV")}
    return {**passthrough, **env}


def _run(command: list[str], env: dict) -> subprocess.Popen:
    assert command[0] == "python"
    return subprocess.Popen([sys.executable, *command[1:]], cwd=ROOT, env=env, start_new_session=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _stop(proc: subprocess.Popen) -> str:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
    return proc.communicate()[0] or ""


def test_the_composed_processes_come_up_healthy_on_postgresql_and_redis(database, tmp_path):
    from bench.support import free_port

    services = _services()
    port = free_port()
    migrate = subprocess.run([sys.executable, *services["migrate"]["command"][1:]], cwd=ROOT, timeout=300,
                             env=_env(services["migrate"], database, tmp_path), capture_output=True, text=True)
    assert migrate.returncode == 0, migrate.stdout + migrate.stderr
    web = _run(services["web"]["command"], _env(services["web"], database, tmp_path, CHRONOS_PORT=str(port)))
    worker = _run(services["worker"]["command"], _env(services["worker"], database, tmp_path))
    try:
        deadline, body = time.monotonic() + 120, None
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as answer:
                    body = json.loads(answer.read())
                if body["status"] == "healthy":
                    break
            except OSError:
                pass
            time.sleep(0.5)
        assert body is not None and body["status"] == "healthy", body
        assert body["checks"]["database"]["vendor"] == "postgresql"
    finally:
        web_output, worker_output = _stop(web), _stop(worker)
    assert "Traceback" not in web_output + worker_output, web_output + worker_output
