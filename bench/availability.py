"""Availability and conflict-detection benchmark.

1. Seeds 20 attendees x 2,000 events over a year (each event on its owner's calendar, a quarter of
   them with a second attendee) into a fresh SQLite file, starts the web server (granian) with one
   worker, and asks ``POST /api/v1/availability`` for a 60-minute slot for all 20 attendees over
   30 days (median/p95 of 50 requests after warm-up, over HTTP with keep-alive).
2. Adds events up to 100,000 stored and times ``conflicts_for`` for a new event with two
   attendees (the work a create adds for conflict detection), in process.

Prints one JSON object.

    .venv/bin/python bench/availability.py
    .venv/bin/python bench/availability.py --compare 2   # phase 1 only: the pre-written JSON answer
        # against plain data through the API's renderer (orjson, and DRF's), alternating, N rounds
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# bench/ holds scripts named like stdlib modules (email.py): keep it off the import path.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(ROOT))

from bench.support import bench_env, free_port, override_config, start_server, stats  # noqa: E402

ATTENDEES = [f"person{i:02d}@example.com" for i in range(20)]
PER_ATTENDEE = 2000
TOTAL_FOR_CONFLICTS = 100_000


def _setup():
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chronos.settings")
    django.setup()


def _bulk(events) -> None:
    from django.db import transaction

    from apps.events.models import Event

    for i in range(0, len(events), 5000):
        with transaction.atomic():
            Event.objects.bulk_create(events[i:i + 5000])


def _event(rng, calendar_id: str, start: datetime, attendees: list[str]):
    from apps.events.models import Event

    end = start + timedelta(minutes=rng.choice([15, 30, 30, 45, 60, 60, 90, 120]))
    return Event(calendar_id=calendar_id, title="Meeting", start_time=start, end_time=end, attendees=attendees,
                 duration_seconds=int((end - start).total_seconds()), event_type="meeting")


def _working_start(rng, begin: datetime) -> datetime:
    # Weekday office hours (UTC 08:00-17:00), quarter-hour aligned: a realistic, dense calendar.
    while True:
        day = begin + timedelta(days=rng.randrange(0, 365))
        if day.weekday() < 5:
            return day.replace(hour=rng.randrange(8, 17), minute=rng.choice([0, 15, 30, 45]), second=0, microsecond=0)


def seed_attendees() -> None:
    _setup()
    from django.db import connection

    from apps.core.models import ApiKey
    from apps.events import unmanaged
    from apps.events.models import Calendar

    rng = random.Random(11)
    begin = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=180)
    with connection.cursor() as cursor:
        for name in unmanaged.FTS_TRIGGERS:
            cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
    events = []
    for i, person in enumerate(ATTENDEES):
        cal = f"person{i:02d}"
        Calendar.objects.get_or_create(id=cal, defaults={"name": cal})
        for _ in range(PER_ATTENDEE):
            people = [person] + ([rng.choice(ATTENDEES)] if rng.random() < 0.25 else [])
            events.append(_event(rng, cal, _working_start(rng, begin), list(dict.fromkeys(people))))
    _bulk(events)
    unmanaged.ensure(connection)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    _, key = ApiKey.issue(name="bench", scopes=["admin"])
    print(key)


def conflicts_phase() -> None:
    """Fill up to 100k events on other calendars, then time conflict detection for new events."""
    _setup()
    from django.db import connection

    from apps.events import unmanaged
    from apps.events.models import Calendar, Event
    from apps.events.scheduling.planning import conflicts_for

    rng = random.Random(5)
    begin = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=180)
    with connection.cursor() as cursor:
        for name in unmanaged.FTS_TRIGGERS:
            cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
    others = [f"team{i}" for i in range(10)]
    for cal in others:
        Calendar.objects.get_or_create(id=cal, defaults={"name": cal})
    missing = TOTAL_FOR_CONFLICTS - Event.objects.count()
    _bulk([_event(rng, others[i % 10], _working_start(rng, begin), [f"guest{i % 300}@example.com"])
           for i in range(max(missing, 0))])
    unmanaged.ensure(connection)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    stored = Event.objects.count()
    cal = Calendar.objects.get(pk="person00")
    samples, cpu = [], []
    hits = 0
    for _ in range(20):  # warm-up
        conflicts_for(Event(calendar=cal, title="x", start_time=_working_start(rng, begin),
                            end_time=_working_start(rng, begin) + timedelta(hours=1)))
    for _ in range(300):
        start = _working_start(rng, begin)
        draft = Event(calendar=cal, title="new", start_time=start, end_time=start + timedelta(hours=1),
                      attendees=[rng.choice(ATTENDEES), "guest7@example.com"])
        t0, c0 = time.perf_counter(), time.process_time()
        hits += bool(conflicts_for(draft))
        samples.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    print(json.dumps({"events_stored": stored, **stats(samples),
                      "cpu_median_ms": round(statistics.median(cpu) * 1000, 2),
                      "with_conflicts": hits, "samples": len(samples)}))


def _availability(env: dict, key: str) -> dict:
    import psutil
    import requests

    port = free_port()
    server = start_server(env, port)
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {key}"
    try:
        start = (datetime.now(UTC) + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
        body = {"start_time": start.isoformat(), "end_time": (start + timedelta(days=30)).isoformat(),
                "attendees": ATTENDEES, "duration_minutes": 60}
        url = f"http://127.0.0.1:{port}/api/v1/availability"
        for _ in range(5):
            session.post(url, json=body).raise_for_status()
        samples = []
        # Server CPU per request, next to wall time: stays meaningful when the machine is busy.
        workers = psutil.Process(server.pid).children(recursive=True)
        cpu0 = sum(sum(w.cpu_times()[:2]) for w in workers)
        for _ in range(50):
            t0 = time.perf_counter()
            response = session.post(url, json=body)
            samples.append(time.perf_counter() - t0)
            response.raise_for_status()
        cpu_ms = (sum(sum(w.cpu_times()[:2]) for w in workers) - cpu0) / 50 * 1000
        answer = response.json()
        return {
            **stats(samples), "server_cpu_ms_per_request": round(cpu_ms, 1), "slots_per_attendee": len(answer["attendees"][0]["slots"]),
            "common_free_slots": len(answer["common_free"]), "response_kb": round(len(response.content) / 1024, 1),
        }
    finally:
        server.terminate()
        server.wait(timeout=10)


def run(compare: int = 0) -> dict:
    data_dir = tempfile.mkdtemp(prefix="chronos-bench-avail-")
    env = bench_env(data_dir)
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    seeded = subprocess.run([sys.executable, __file__, "--phase", "seed"], cwd=ROOT, env=env, check=True,
                            capture_output=True, text=True)
    key = seeded.stdout.strip().splitlines()[-1]

    results: dict = {"attendees": len(ATTENDEES), "events_per_attendee": PER_ATTENDEE}
    if compare:
        plain = {"scheduling": {"prewritten_availability_json": False}}
        # Each configuration file in its own directory: override_config names it chronos.yaml.
        for name in ("plain", "drf"):
            os.makedirs(f"{data_dir}/{name}", exist_ok=True)
        standard = override_config(env, f"{data_dir}/plain", plain)
        drf = override_config(env, f"{data_dir}/drf", {**plain, "api": {"orjson_renderer": False}})
        results["prewritten"], results["standard"], results["standard_drf"] = [], [], []
        for _ in range(compare):
            results["prewritten"].append(_availability(env, key))
            results["standard"].append(_availability(standard, key))
            results["standard_drf"].append(_availability(drf, key))
        return results
    results["availability_30d_60min_all20"] = _availability(env, key)
    out = subprocess.run([sys.executable, __file__, "--phase", "conflicts"], cwd=ROOT, env=env, check=True,
                         capture_output=True, text=True)
    results["conflict_detection_on_create"] = json.loads(out.stdout.strip().splitlines()[-1])
    results["targets"] = {"availability_median_ms": 50, "conflict_detection_extra_ms": 5}
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--phase", choices=["seed", "conflicts"], help=argparse.SUPPRESS)
    parser.add_argument("--compare", type=int, default=0, metavar="ROUNDS",
                        help="only the availability request: pre-written JSON against plain data, alternating")
    args = parser.parse_args()
    if args.phase == "seed":
        seed_attendees()
    elif args.phase == "conflicts":
        conflicts_phase()
    else:
        print(json.dumps(run(args.compare)))


if __name__ == "__main__":
    main()
