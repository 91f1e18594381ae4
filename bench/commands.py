"""Command queue benchmark: concurrent pollers against the production server.

Seeds N PENDING commands into a fresh database (SQLite in a temporary data dir, or the PostgreSQL
database named by ``DATABASE_URL``, which is dropped and re-created), starts the web server
(granian, as ``manage.py start`` runs it) with 2 worker processes, and runs 8 pollers (separate
processes, each with its own keep-alive ``requests.Session``) that poll ``limit=10`` and complete
everything they claim until the queue is empty. Prints one JSON object: unique commands/s,
duplicates, never delivered, HTTP errors.

    .venv/bin/python bench/commands.py
    .venv/bin/python bench/commands.py --standard    # claim/complete through the plain ORM
    .venv/bin/python bench/commands.py --no-row-cache    # endpoints/workflows read by an ORM query each time
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/chronos_bench_commands .venv/bin/python bench/commands.py
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
# Run as a script, bench/ would come first on sys.path and its modules (e.g. bench/mail.py)
# would shadow the standard library.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

from bench.support import bench_env, free_port, override_config, recreate_postgres, start_server  # noqa: E402

SYSTEM = "BENCH"


def seed(count: int) -> None:
    """Child process with the bench environment: whitelist entry, API key, N PENDING commands."""
    import django

    django.setup()
    from apps.commands.models import Command
    from apps.core.models import ApiKey
    from apps.whitelists.models import Whitelist

    Whitelist.objects.update_or_create(system=SYSTEM, action="PING", defaults={"allowed_params": {"n": "int"}})
    _, raw = ApiKey.issue(name="bench", scopes=["commands.manage"])
    Command.objects.bulk_create(
        [Command(command="PING", target_system=SYSTEM, parameters={"n": i}) for i in range(count)], batch_size=2000
    )
    print(raw)


def report() -> None:
    import django

    django.setup()
    from apps.commands.models import Command

    print(json.dumps(dict(Counter(Command.objects.filter(target_system=SYSTEM).values_list("status", flat=True)))))


def poller(base: str, key: str, limit: int, out) -> None:
    """One poller: its own keep-alive HTTP/1.1 connection, poll ``limit`` and complete each claim.

    ``http.client`` instead of ``requests``: the client shares the machine with the server, and
    ``requests`` spent about 1.6 ms of CPU per request, as much as the server's own work.
    """
    host, port = urlparse(base).hostname, urlparse(base).port
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json", "Accept": "application/json"}

    def connect() -> http.client.HTTPConnection:
        connection = http.client.HTTPConnection(host, port, timeout=30)
        connection.connect()
        # As requests/urllib3 do: without it Nagle + delayed ACK can hold a small write 40 ms.
        connection.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return connection

    conn = connect()
    claimed: list[int] = []
    errors = 0
    empty = 0
    requests_made = 0

    def call(method: str, path: str, body: bytes | None = None) -> tuple[int, bytes]:
        nonlocal conn
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            return response.status, response.read()
        except (OSError, http.client.HTTPException):
            conn.close()
            try:
                conn = connect()
            except OSError:
                time.sleep(0.1)
            return 0, b""

    done_body = json.dumps({"result": {"ok": True}}).encode()
    while empty < 2:
        requests_made += 1
        status, body = call("GET", f"/api/v1/commands/{SYSTEM}?limit={limit}")
        if status != 200:
            errors += 1
            continue
        commands = json.loads(body)["commands"]
        if not commands:
            empty += 1
            continue
        empty = 0
        for command in commands:
            claimed.append(command["id"])
            requests_made += 1
            status, _ = call("POST", f"/api/v1/commands/{command['id']}/complete", done_body)
            if status != 200:
                errors += 1
    conn.close()
    out.put((claimed, errors, requests_made, time.process_time()))


def _cpu_seconds(pid: int) -> float:
    """CPU time of a process and all its descendants (granian main process + workers) so far."""
    import psutil

    try:
        procs = [psutil.Process(pid), *psutil.Process(pid).children(recursive=True)]
        return sum(sum(p.cpu_times()[:2]) for p in procs)
    except psutil.Error:
        return 0.0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--commands", type=int, default=10_000)
    parser.add_argument("--pollers", type=int, default=8)
    parser.add_argument("--limit", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=None, help="per worker (default: as manage.py start)")
    parser.add_argument("--standard", action="store_true",
                        help="claim and complete with the plain ORM (commands.single_statement_queries: false)")
    parser.add_argument("--no-row-cache", action="store_true",
                        help="read webhook endpoints and workflows with an ORM query each time (database.cache_config_rows: false)")
    args = parser.parse_args()

    database_url = os.environ.get("DATABASE_URL") or None
    if database_url and not database_url.startswith("postgres"):
        database_url = None
    with tempfile.TemporaryDirectory(prefix="chronos-bench-commands-") as data_dir:
        env = bench_env(data_dir, database_url)
        overrides: dict = {}
        if args.standard:
            overrides["commands"] = {"single_statement_queries": False}
        if args.no_row_cache:
            overrides["database"] = {"cache_config_rows": False}
        if overrides:
            env = override_config(env, data_dir, overrides)
        if database_url:
            recreate_postgres(database_url)
        python = sys.executable
        subprocess.run([python, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=env, check=True)
        seeded = subprocess.run(
            [python, "-c", f"import bench.commands as b; b.seed({args.commands})"],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        key = seeded.stdout.strip().splitlines()[-1]
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        server = start_server(env, port, workers=args.workers, threads=args.threads)
        try:
            ctx = multiprocessing.get_context("spawn")
            out = ctx.Queue()
            procs = [ctx.Process(target=poller, args=(base, key, args.limit, out)) for _ in range(args.pollers)]
            started = time.perf_counter()
            for proc in procs:
                proc.start()
            server_cpu_before = _cpu_seconds(server.pid)
            results = [out.get() for _ in procs]
            elapsed = time.perf_counter() - started
            server_cpu = _cpu_seconds(server.pid) - server_cpu_before
            for proc in procs:
                proc.join()
        finally:
            server.terminate()
            server.wait(timeout=30)
        statuses = json.loads(
            subprocess.run(
                [python, "-c", "import bench.commands as b; b.report()"],
                cwd=ROOT,
                env=env,
                check=True,
                capture_output=True,
                text=True,
            )
            .stdout.strip()
            .splitlines()[-1]
        )
    counts = Counter(pk for claimed, *_ in results for pk in claimed)
    requests_made = sum(r[2] for r in results)
    unique = len(counts)
    print(
        json.dumps(
            {
                "database": "postgresql" if database_url else "sqlite",
                "queries": "standard ORM" if args.standard else "single statement",
                "config_rows": "ORM query each read" if args.no_row_cache else "cached",
                "commands": args.commands,
                "pollers": args.pollers,
                "limit": args.limit,
                "web_workers": args.workers,
                "seconds": round(elapsed, 2),
                "unique_commands_per_second": round(unique / elapsed, 1),
                "requests_per_second": round(requests_made / elapsed, 1),
                "duplicates": sum(n - 1 for n in counts.values()),
                "never_delivered": args.commands - unique,
                "http_errors": sum(errors for _, errors, *_ in results),
                "server_cpu_ms_per_request": round(server_cpu / requests_made * 1000, 2),
                "client_cpu_ms_per_request": round(sum(r[3] for r in results) / requests_made * 1000, 2),
                "load_average_1m": round(os.getloadavg()[0], 2),
                "final_status": statuses,
            }
        )
    )


if __name__ == "__main__":
    main()
