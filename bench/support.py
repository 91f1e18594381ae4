"""Helpers shared by the benchmark scripts (imported as ``bench.support`` with the repo on sys.path)."""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlparse


def recreate_postgres(database_url: str) -> None:
    """Drop and create the PostgreSQL database ``database_url`` names (a bench starts empty)."""
    import psycopg

    parsed = urlparse(database_url)
    name = parsed.path.lstrip("/")
    admin_url = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


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


def override_config(env: dict, data_dir: str, overrides: dict) -> dict:
    """``env`` with a copy of config/chronos.yaml in ``data_dir`` whose sections are updated by
    ``overrides`` ({"section": {"key": value}}), named by CHRONOS_CONFIG."""
    import yaml

    root = Path(__file__).resolve().parent.parent
    data = yaml.safe_load((root / "config" / "chronos.yaml").read_text()) or {}
    for section, values in overrides.items():
        data[section] = {**(data.get(section) or {}), **values}
    path = Path(data_dir) / "chronos.yaml"
    path.write_text(yaml.safe_dump(data))
    return {**env, "CHRONOS_CONFIG": str(path)}


def start_server(env: dict, port: int, *, workers: int = 1, threads: int | None = None) -> subprocess.Popen:
    """The production server (granian, as ``manage.py start`` runs it, without the access log) on
    127.0.0.1:``port``, returned once it answers. Stop it with ``terminate()``: one SIGTERM."""
    from apps.core import supervisor, webserver
    from chronos.config import Server

    root = Path(__file__).resolve().parent.parent
    if threads is None:  # as start: server.web_threads, or by database when it is 0
        vendor = "postgresql" if env["DATABASE_URL"].startswith("postgres") else "sqlite"
        threads = Server().web_threads or webserver.automatic_threads(vendor)
    args = webserver.command("127.0.0.1", port, workers=workers, threads=threads, access_log=False,
                             log_level="warning")
    proc = supervisor.launch(args, cwd=root, env=env)
    deadline = time.monotonic() + 60
    while True:
        if proc.poll() is not None:
            raise SystemExit("the web server exited before it was ready")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2).close()
            return proc
        except urllib.error.HTTPError:
            return proc  # any HTTP answer (503 before the first worker heartbeat) means it serves
        except OSError:
            if time.monotonic() > deadline:
                supervisor.kill(proc)
                raise SystemExit("the web server did not become ready") from None
            time.sleep(0.1)


def stats(samples: list[float]) -> dict:
    """Median and p95 of durations in seconds, in milliseconds."""
    ordered = sorted(samples)
    return {"median_ms": round(statistics.median(ordered) * 1000, 2),
            "p95_ms": round(ordered[int(len(ordered) * 0.95) - 1] * 1000, 2)}


class KeepAliveClient:
    """One keep-alive HTTP/1.1 connection on a plain socket (Nagle off).

    The client shares the two cores with the server, and a sequential benchmark adds the
    client's own time to every round trip: ``http.client`` spends about 0.2 ms per request
    formatting headers and parsing the response with the e-mail parser. This client writes
    the request bytes itself and reads the status line, ``Content-Length`` and body, which is
    all a benchmark of our own server needs (no chunked bodies, no redirects).
    """

    def __init__(self, port: int, headers: dict[str, str], host: str = "127.0.0.1") -> None:
        self.sock = socket.create_connection((host, port), timeout=30)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.file = self.sock.makefile("rb")
        self.head = "".join(f"{name}: {value}\r\n" for name, value in
                            {"Host": f"{host}:{port}", **headers}.items()).encode("latin-1")

    def request(self, method: str, path: str, body: bytes = b"") -> tuple[int, bytes]:
        """(status, body) of one request; the connection stays open."""
        self.sock.sendall(b"%s %s HTTP/1.1\r\n%sContent-Length: %d\r\n\r\n%s" % (
            method.encode(), path.encode(), self.head, len(body), body))
        status = int(self.file.readline().split(b" ", 2)[1])
        length = None
        while (line := self.file.readline()) not in (b"\r\n", b"\n", b""):
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        if length is None:
            raise RuntimeError(f"{method} {path}: answer without Content-Length")
        return status, self.file.read(length)

    def close(self) -> None:
        self.file.close()
        self.sock.close()
