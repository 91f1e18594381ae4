"""Events API benchmark over real HTTP against the production server.

Seeds N events (5 calendars, two years around today, realistic titles) into a fresh SQLite file
(or the PostgreSQL database named by ``DATABASE_URL``, which is dropped and re-created), starts the web server (granian) with one worker process, and measures with a keep-alive client: a
7-day window, a 30-day window with ``q=<word>``, ``range=-1`` page 1 (median/p95 of 200 requests
after warm-up), sequential creates per second (1,000 after 50 warm-up creates, bodies built
before the clock, over ``bench.support.KeepAliveClient``), 8 concurrent writers x 50 creates
(lost and 5xx counted), and the server's peak RSS. Prints one JSON object.

    .venv/bin/python bench/events.py --events 100000
    .venv/bin/python bench/events.py --reads DATA_DIR [--no-compiled-cache]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/chronos_bench_events .venv/bin/python bench/events.py --events 100000

The data dir is kept and its path printed (``data_dir``): ``--reads DIR`` measures only the
three reads again on it (with the same ``DATABASE_URL`` on PostgreSQL), so databases of two sizes can be compared alternately in one sitting
without seeding again.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Run as a script, bench/ is sys.path[0]: sibling scripts (e.g. bench/mail.py) would shadow stdlib modules.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

from bench.support import (  # noqa: E402
    KeepAliveClient,
    bench_env,
    free_port,
    override_config,
    recreate_postgres,
    start_server,
    stats,
)

CALENDARS = ["work", "private", "team", "customers", "ops"]
SUBJECTS = ["Sprint planning", "Stand-up", "Design review", "Quarterly report", "Customer call", "Invoice run",
            "Dentist", "Focus time", "Lunch", "Architecture review", "Budget meeting", "Hiring interview",
            "Release retro", "Gym", "Parent evening", "Backup drill", "Roadmap workshop", "Security audit"]
WITH = ["Alex", "Sam", "Kim", "Robin", "Acme GmbH", "Globex", "Initech", "the board", "Marketing", "Finance",
        "Support", "Platform team", "Jordan", "Taylor", "Morgan", "Umbrella Corp"]
PLACES = ["Room 1", "Room 2", "Berlin office", "Zoom", "Cafe Luna", "Hamburg HQ", ""]
TAGS = ["work", "private", "customer", "engineering", "finance", "people", "focus", "ops", "planning"]
SEARCH_WORD = "Initech"


def seed(count: int) -> None:
    """Runs in a child process with the bench environment: bulk insert, then build the index."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chronos.settings")

    django.setup()
    from django.db import connection, transaction

    from apps.core.models import ApiKey
    from apps.events import unmanaged
    from apps.events.models import Calendar, Event

    rng = random.Random(7)
    for cid in CALENDARS:
        Calendar.objects.get_or_create(id=cid, defaults={"name": cid.title(), "timezone": "Europe/Berlin"})
    sqlite = connection.vendor == "sqlite"
    # Bulk load without the per-row FTS triggers; ensure() re-creates them and rebuilds the index.
    # (PostgreSQL searches through an expression index, which ensure() creates if it is missing.)
    if sqlite:
        with connection.cursor() as cursor:
            for name in unmanaged.FTS_TRIGGERS:
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    span = 730 * 24 * 3600
    begin = now - timedelta(days=365)
    batch: list[Event] = []
    for i in range(count):
        start = begin + timedelta(seconds=rng.randrange(0, span) // 900 * 900)
        all_day = rng.random() < 0.03
        if all_day:
            start = start.replace(hour=0, minute=0, second=0)
            end = start + timedelta(days=rng.choice([1, 1, 1, 2, 3]))
        else:
            end = start + timedelta(minutes=rng.choice([15, 30, 30, 45, 60, 60, 90, 120, 240]))
        title = f"{rng.choice(SUBJECTS)} with {rng.choice(WITH)}"
        batch.append(Event(
            calendar_id=CALENDARS[i % 5], title=title, description=f"Agenda: {rng.choice(SUBJECTS).lower()}.",
            location=rng.choice(PLACES), start_time=start, end_time=end, all_day=all_day,
            start_date=start.date() if all_day else None, end_date=end.date() if all_day else None,
            tags=rng.sample(TAGS, rng.randint(0, 2)), duration_seconds=int((end - start).total_seconds()),
            created_at=now,
        ))
        if len(batch) == 5000:
            with transaction.atomic():
                Event.objects.bulk_create(batch)
            batch = []
    if batch:
        with transaction.atomic():
            Event.objects.bulk_create(batch)
    unmanaged.ensure(connection)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
        if sqlite:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    _, key = ApiKey.issue(name="bench", scopes=["admin"])
    print(key)


class KeepAlive:
    """A keep-alive connection that raises on an error status (see ``bench.support.KeepAliveClient``)."""

    def __init__(self, port: int, key: str) -> None:
        self.client = KeepAliveClient(port, {"Authorization": f"Bearer {key}", "Content-Type": "application/json"})

    def request(self, method: str, path: str, body: bytes = b"") -> bytes:
        status, data = self.client.request(method, path, body)
        if status >= 400:
            raise RuntimeError(f"{method} {path} -> {status}: {data[:200]!r}")
        return data


def _server_cpu(server) -> float:
    """CPU seconds of the server's processes (the web workers are the launcher's children)."""
    import psutil

    procs = [psutil.Process(server.pid), *psutil.Process(server.pid).children(recursive=True)]
    return sum(sum(p.cpu_times()[:2]) for p in procs)


def _measure(client: KeepAlive, path: str, *, server=None, warmup: int = 20, runs: int = 200) -> dict:
    for _ in range(warmup):
        client.request("GET", path)
    samples = []
    cpu0 = _server_cpu(server) if server is not None else None
    for _ in range(runs):
        t0 = time.perf_counter()
        body = client.request("GET", path)
        samples.append(time.perf_counter() - t0)
    result = stats(samples)
    if cpu0 is not None:
        result["server_cpu_ms"] = round((_server_cpu(server) - cpu0) / runs * 1000, 2)
    result["total_count"] = json.loads(body)["total_count"]
    return result


def _body(i: int, calendar: str) -> dict:
    start = datetime(2031, 1, 1, 8, tzinfo=UTC) + timedelta(minutes=30 * i)
    return {"title": f"Bench create {i}", "calendar_id": calendar, "start_time": start.isoformat(),
            "end_time": (start + timedelta(minutes=25)).isoformat(), "tags": ["bench"]}


def _reads(client: KeepAlive, results: dict, server) -> None:
    today = datetime.now(UTC).date().isoformat()
    api = "/api/v1"
    results["window_7d"] = _measure(client, f"{api}/events?anchor={today}&range=7", server=server)
    results["window_30d_q"] = _measure(client, f"{api}/events?anchor={today}&range=30&q={SEARCH_WORD}", server=server)
    results["range_all_page1"] = _measure(client, f"{api}/events?range=-1&page=1", server=server)


def reads(data_dir: str, *, compiled_cache: bool = True) -> dict:
    """The three reads on the database a previous run seeded in ``data_dir`` (or ``DATABASE_URL``)."""
    env = bench_env(data_dir, _postgres_url())
    if not compiled_cache:
        env = override_config(env, data_dir, {"database": {"cache_compiled_reads": False}})
    key = subprocess.run([sys.executable, "-c", "import django; django.setup(); from apps.core.models import ApiKey; "
                          "print(ApiKey.issue(name='bench-reads', scopes=['admin'])[1])"], cwd=ROOT, env=env,
                         check=True, capture_output=True, text=True).stdout.strip().splitlines()[-1]
    count = subprocess.run([sys.executable, "-c", "import django; django.setup(); from apps.events.models import "
                            "Event; print(Event.objects.count())"], cwd=ROOT, env=env, check=True,
                           capture_output=True, text=True).stdout.strip().splitlines()[-1]
    port = free_port()
    server = start_server(env, port)
    try:
        results: dict = {"events": int(count), "data_dir": data_dir, "compiled_cache": compiled_cache}
        _reads(KeepAlive(port, key), results, server)
    finally:
        server.terminate()
        server.wait(timeout=10)
    results["load_average_1m"] = round(os.getloadavg()[0], 2)
    return results


def _postgres_url() -> str | None:
    """``DATABASE_URL`` if it names a PostgreSQL database (else the bench seeds a SQLite file)."""
    url = os.environ.get("DATABASE_URL") or ""
    return url if url.startswith("postgres") else None


def _postgres_size_mb(database_url: str) -> float:
    import psycopg

    with psycopg.connect(database_url) as conn:
        size = conn.execute("SELECT pg_database_size(current_database())").fetchone()[0]
    return round(size / 2**20, 1)


def run(count: int) -> dict:
    import psutil
    import requests

    database_url = _postgres_url()
    data_dir = tempfile.mkdtemp(prefix="chronos-bench-")
    env = bench_env(data_dir, database_url)
    t0 = time.perf_counter()
    if database_url:
        recreate_postgres(database_url)
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    seeded = subprocess.run([sys.executable, __file__, "--seed-only", str(count)], cwd=ROOT, env=env, check=True,
                            capture_output=True, text=True)
    key = seeded.stdout.strip().splitlines()[-1]
    seed_seconds = time.perf_counter() - t0

    port = free_port()
    server = start_server(env, port)
    peak = {"rss": 0}
    stop = threading.Event()

    def sample_rss() -> None:
        while not stop.is_set():
            try:
                proc = psutil.Process(server.pid)
                workers = proc.children(recursive=True)
                peak["rss"] = max([peak["rss"], *[w.memory_info().rss for w in workers]])
            except psutil.Error:
                pass
            time.sleep(0.05)

    sampler = threading.Thread(target=sample_rss, daemon=True)
    sampler.start()
    base = f"http://127.0.0.1:{port}/api/v1"
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {key}"
    try:
        results: dict = {"database": "postgresql" if database_url else "sqlite", "events": count,
                         "seed_seconds": round(seed_seconds, 1), "data_dir": data_dir}
        client = KeepAlive(port, key)
        api = "/api/v1"
        _reads(client, results, server)

        # As for the reads: a warm-up first, then the clock (request bodies are built before it).
        warmup, n = 50, 1000
        bodies = [json.dumps(_body(i, "bench-seq")).encode() for i in range(warmup + n)]
        for body in bodies[:warmup]:
            client.request("POST", f"{api}/events", body)
        t1 = time.perf_counter()
        for body in bodies[warmup:]:
            client.request("POST", f"{api}/events", body)
        results["creates_per_second"] = round(n / (time.perf_counter() - t1), 1)

        statuses: list[int] = []
        lock = threading.Lock()

        def writer(w: int) -> None:
            s = requests.Session()
            s.headers["Authorization"] = f"Bearer {key}"
            for j in range(50):
                try:
                    code = s.post(f"{base}/events", json=_body(w * 100 + j, "bench-conc")).status_code
                except requests.RequestException:
                    code = 0
                with lock:
                    statuses.append(code)

        t2 = time.perf_counter()
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(writer, range(8)))
        elapsed = time.perf_counter() - t2
        stored = session.get(f"{base}/events?calendar=bench-conc&range=-1&direction=all&page_size=1").json()
        results["concurrent_writers"] = {
            "writers": 8, "posts": len(statuses), "created_201": statuses.count(201),
            "server_errors_5xx": sum(1 for c in statuses if c >= 500 or c == 0),
            "lost": 400 - stored["total_count"], "creates_per_second": round(400 / elapsed, 1),
        }
    finally:
        stop.set()
        sampler.join(timeout=1)
        server.terminate()
        server.wait(timeout=10)
    results["server_peak_rss_mb"] = round(peak["rss"] / 2**20, 1)
    if database_url:
        results["db_size_mb"] = _postgres_size_mb(database_url)
    else:
        results["db_size_mb"] = round(sum(p.stat().st_size for p in Path(data_dir).glob("chronos.db*")) / 2**20, 1)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=10000)
    parser.add_argument("--seed-only", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--reads", metavar="DATA_DIR", help="only the reads, on the database of an earlier run")
    parser.add_argument("--no-compiled-cache", action="store_true",
                        help="with --reads: compile the list's SQL for every request (database.cache_compiled_reads: false)")
    args = parser.parse_args()
    if args.seed_only is not None:
        seed(args.seed_only)
        return
    if args.reads:
        print(json.dumps(reads(args.reads, compiled_cache=not args.no_compiled_cache)))
        return
    print(json.dumps(run(args.events)))


if __name__ == "__main__":
    main()
