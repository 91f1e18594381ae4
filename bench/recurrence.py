"""Recurring events benchmark over real HTTP against the production server.

Seeds N single events as ``bench/events.py`` does, then adds series in steps (half daily, half
weekly, each running two years with ``UNTIL``, starting within the last year, zone
Europe/Berlin) plus one never-ending daily rule. After each step, with a keep-alive client: a
7-day and a 30-day window (median/p95 of ``--runs`` requests after warm-up, and the first request
after the step, which has no cached count), the time the step's series took to write
(``seed_series_s``: insert plus stored occurrences), and ``range=-1`` page 1 and page 20 (the
never-ending rule must page, not expand without end). Reports the server's peak RSS. Prints
one JSON object.

    .venv/bin/python bench/recurrence.py --events 100000 --series 1000,5000
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
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

from bench.support import KeepAliveClient, bench_env, free_port, start_server, stats  # noqa: E402

CALENDARS = ["work", "private", "team", "customers", "ops"]


def add_series(count: int, offset: int) -> None:
    """Runs in a child process with the bench environment: ``count`` more series."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chronos.settings")
    django.setup()
    from django.db import connection, transaction

    from apps.events import recurrence
    from apps.events.models import Event
    from apps.events.occurrences import store_occurrences

    rng = random.Random(1000 + offset)
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    batch = []
    for i in range(offset, offset + count):
        start = now - timedelta(days=rng.randrange(0, 365), hours=rng.randrange(0, 10))
        until = (start + timedelta(days=730)).strftime("%Y%m%dT%H%M%SZ")
        rule = f"RRULE:FREQ=DAILY;UNTIL={until}" if i % 2 == 0 else f"RRULE:FREQ=WEEKLY;UNTIL={until}"
        event = Event(calendar_id=CALENDARS[i % 5], title=f"Series {i}", start_time=start,
                      end_time=start + timedelta(minutes=30), timezone="Europe/Berlin", recurrence=[rule],
                      is_recurring=True, duration_seconds=1800, created_at=now)
        event.series_end = recurrence.series_end(event)
        batch.append(event)
    if offset == 0:
        forever = Event(calendar_id="work", title="Never ends", start_time=now - timedelta(days=30),
                        end_time=now - timedelta(days=30) + timedelta(minutes=15), timezone="Europe/Berlin",
                        recurrence=["RRULE:FREQ=DAILY"], is_recurring=True, duration_seconds=900, created_at=now)
        forever.series_end = None
        batch.append(forever)
    with transaction.atomic():
        created = Event.objects.bulk_create(batch, batch_size=2000)
        # bulk_create skips Event.save(): the rows are stored as every bulk writer must.
        store_occurrences([e.pk for e in created])
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def _get(client: KeepAliveClient, path: str) -> bytes:
    status, body = client.request("GET", path)
    if status != 200:
        raise RuntimeError(f"GET {path} -> {status}: {body[:200]!r}")
    return body


RUNS = {"runs": 200}


def _measure(client: KeepAliveClient, path: str, *, warmup: int = 5, runs: int | None = None) -> dict:
    runs = runs or RUNS["runs"]
    t0 = time.perf_counter()
    body = _get(client, path)
    first = time.perf_counter() - t0
    for _ in range(warmup):
        _get(client, path)
    samples = []
    for _ in range(runs):
        t0 = time.perf_counter()
        body = _get(client, path)
        samples.append(time.perf_counter() - t0)
    result = stats(samples)
    result["first_ms"] = round(first * 1000, 2)
    result["total_count"] = json.loads(body)["total_count"]
    return result


def run(count: int, steps: list[int]) -> dict:
    import psutil

    data_dir = tempfile.mkdtemp(prefix="chronos-bench-")
    env = bench_env(data_dir)
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    seeded = subprocess.run([sys.executable, str(ROOT / "bench" / "events.py"), "--seed-only", str(count)], cwd=ROOT,
                            env=env, check=True, capture_output=True, text=True)
    key = seeded.stdout.strip().splitlines()[-1]
    results: dict = {"events": count, "steps": []}
    added = 0
    for target in [0, *steps]:
        if target > added:
            t0 = time.perf_counter()
            subprocess.run([sys.executable, __file__, "--add-series", str(target - added), str(added)], cwd=ROOT,
                           env=env, check=True)
            seed_s = round(time.perf_counter() - t0, 1)
            added = target
        else:
            seed_s = 0.0
        port = free_port()
        server = start_server(env, port)
        peak = {"rss": 0}
        stop = threading.Event()

        def sample_rss(server=server, peak=peak, stop=stop) -> None:
            while not stop.is_set():
                try:
                    workers = psutil.Process(server.pid).children(recursive=True)
                    peak["rss"] = max([peak["rss"], *[w.memory_info().rss for w in workers]])
                except psutil.Error:
                    pass
                time.sleep(0.05)

        sampler = threading.Thread(target=sample_rss, daemon=True)
        sampler.start()
        try:
            today = datetime.now(UTC).date().isoformat()
            api = "/api/v1/events"
            step = {"series": added, "seed_series_s": seed_s}
            for name, path in (("window_7d", f"{api}?anchor={today}&range=7"),
                               ("window_30d", f"{api}?anchor={today}&range=30"),
                               ("range_all_page1", f"{api}?anchor={today}&range=-1&page=1"),
                               ("range_all_page20", f"{api}?anchor={today}&range=-1&page=20")):
                try:
                    step[name] = _measure(KeepAliveClient(port, {"Authorization": f"Bearer {key}"}), path)
                except (OSError, RuntimeError) as exc:  # a request over the client's 30 s timeout
                    step[name] = {"error": f"{type(exc).__name__}: {exc}"[:200]}
                print(json.dumps({name: step[name], "series": added}), file=sys.stderr, flush=True)
        finally:
            stop.set()
            sampler.join(timeout=1)
            server.terminate()
            server.wait(timeout=10)
        step["server_peak_rss_mb"] = round(peak["rss"] / 2**20, 1)
        results["steps"].append(step)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=100000)
    parser.add_argument("--series", default="1000,5000", help="series counts to measure at, ascending")
    parser.add_argument("--runs", type=int, default=200, help="timed requests per figure")
    parser.add_argument("--add-series", nargs=2, type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    RUNS["runs"] = args.runs
    if args.add_series:
        add_series(*args.add_series)
        return
    print(json.dumps(run(args.events, [int(s) for s in args.series.split(",") if s])))


if __name__ == "__main__":
    main()
