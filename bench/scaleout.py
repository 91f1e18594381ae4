"""Scale-out benchmark: the command queue on PostgreSQL + Redis with 1, 2 and 4 web processes.

The multi-node layout of docs/operations.md on one machine: PostgreSQL (``DATABASE_URL``, dropped
and re-created), Redis as the task broker and cache (``REDIS_URL``), 2 workers (``manage.py
worker``) running all along, and the web server (granian, as ``manage.py start`` runs it) with
1, 2 and then 4 worker processes. For each, the queue is refilled with the same N PENDING
commands and the same client load runs against it as in ``bench/commands.py``: 8 pollers that
poll ``limit=10`` and complete everything they claim until the queue is empty. Prints one JSON
object: per web process count the unique commands/s and the CPU per request of the web
processes, of the PostgreSQL server and of the client.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/chronos_bench_scaleout \\
    REDIS_URL=redis://127.0.0.1:6379/5 .venv/bin/python bench/scaleout.py [--web 1,2,4]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

from bench.commands import SYSTEM, _cpu_seconds, poller  # noqa: E402
from bench.support import bench_env, free_port, recreate_postgres, start_server  # noqa: E402


def refill(count: int) -> None:
    """Child process with the bench environment: the queue holds exactly ``count`` PENDING commands."""
    import django

    django.setup()
    from apps.commands.models import Command

    Command.objects.filter(target_system=SYSTEM).delete()
    Command.objects.bulk_create(
        [Command(command="PING", target_system=SYSTEM, parameters={"n": i}) for i in range(count)], batch_size=2000
    )


def _postgres_cpu_seconds() -> float | None:
    """CPU time of all PostgreSQL server processes on this machine so far (None if unreadable)."""
    import psutil

    total, seen = 0.0, False
    for proc in psutil.process_iter(["name", "cmdline"]):
        try:
            if proc.info["name"] in ("postgres", "postmaster") or (proc.info["cmdline"] or [""])[0].startswith(
                    "postgres:"):
                total += sum(proc.cpu_times()[:2])
                seen = True
        except psutil.Error:
            continue
    return total if seen else None


def _python(env: dict, code: str) -> str:
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True, capture_output=True,
                          text=True).stdout.strip()


def run_one(env: dict, key: str, web: int, args) -> dict:
    _python(env, f"import bench.scaleout as b; b.refill({args.commands})")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = start_server(env, port, workers=web, threads=args.threads)
    try:
        ctx = multiprocessing.get_context("spawn")
        out = ctx.Queue()
        procs = [ctx.Process(target=poller, args=(base, key, args.limit, out)) for _ in range(args.pollers)]
        started = time.perf_counter()
        for proc in procs:
            proc.start()
        web_cpu_before, pg_cpu_before = _cpu_seconds(server.pid), _postgres_cpu_seconds()
        results = [out.get() for _ in procs]
        elapsed = time.perf_counter() - started
        web_cpu = _cpu_seconds(server.pid) - web_cpu_before
        pg_cpu_after = _postgres_cpu_seconds()
        for proc in procs:
            proc.join()
    finally:
        server.terminate()
        server.wait(timeout=30)
    counts = Counter(pk for claimed, *_ in results for pk in claimed)
    requests_made = sum(r[2] for r in results)
    figures = {
        "web_processes": web,
        "seconds": round(elapsed, 2),
        "unique_commands_per_second": round(len(counts) / elapsed, 1),
        "requests_per_second": round(requests_made / elapsed, 1),
        "duplicates": sum(n - 1 for n in counts.values()),
        "never_delivered": args.commands - len(counts),
        "http_errors": sum(r[1] for r in results),
        "web_cpu_ms_per_request": round(web_cpu / requests_made * 1000, 2),
        "client_cpu_ms_per_request": round(sum(r[3] for r in results) / requests_made * 1000, 2),
    }
    if pg_cpu_before is not None and pg_cpu_after is not None:
        figures["postgres_cpu_ms_per_request"] = round((pg_cpu_after - pg_cpu_before) / requests_made * 1000, 2)
    figures["load_average_1m"] = round(os.getloadavg()[0], 2)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--web", default="1,2,4", help="web process counts to measure, comma-separated")
    parser.add_argument("--workers", type=int, default=2, help="worker processes (manage.py worker) running along")
    parser.add_argument("--commands", type=int, default=10_000)
    parser.add_argument("--pollers", type=int, default=8)
    parser.add_argument("--limit", type=int, default=10)
    parser.add_argument("--threads", type=int, default=None, help="per web process (default: as manage.py start)")
    args = parser.parse_args()

    database_url, redis_url = os.environ.get("DATABASE_URL", ""), os.environ.get("REDIS_URL", "")
    if not database_url.startswith("postgres") or not redis_url.startswith("redis"):
        raise SystemExit("set DATABASE_URL (PostgreSQL) and REDIS_URL: this is the multi-node layout")
    with tempfile.TemporaryDirectory(prefix="chronos-bench-scaleout-") as data_dir:
        env = {**bench_env(data_dir, database_url), "REDIS_URL": redis_url}
        recreate_postgres(database_url)
        subprocess.run([sys.executable, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=env, check=True)
        key = _python(env, "import bench.commands as b; b.seed(0)").splitlines()[-1]
        workers = [subprocess.Popen([sys.executable, "manage.py", "worker"], cwd=ROOT, env=env,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
                   for _ in range(args.workers)]
        try:
            time.sleep(3)  # let the workers settle: their start is not what is measured
            runs = [run_one(env, key, int(n), args) for n in args.web.split(",")]
        finally:
            for proc in workers:
                proc.terminate()
            for proc in workers:
                try:
                    proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    proc.kill()
    base = runs[0]["unique_commands_per_second"]
    print(json.dumps({
        "database": "postgresql",
        "broker": "redis",
        "workers": args.workers,
        "commands": args.commands,
        "pollers": args.pollers,
        "limit": args.limit,
        "runs": runs,
        "speedup": {str(r["web_processes"]): round(r["unique_commands_per_second"] / base, 2) for r in runs},
        "cpus": os.cpu_count(),
    }))


if __name__ == "__main__":
    main()
