"""Admin pages at size: the dashboard and a calendar week with 100,000 events and 10,000 commands.

Seeds a fresh SQLite file (or DATABASE_URL) with 100k events over two years on five calendars and
10k commands in every status, then times in process (Django test client, the full middleware
stack, no network) the dashboard (``/admin/``), the calendar page and one week of its event feed,
and the event list, each after a warm-up: median/p95 of ``--runs`` requests, plus the SQL
statements each page issues. The target: dashboard and calendar week within 150 ms server time.

Prints one JSON object.

    .venv/bin/python bench/admin_pages.py [--events 100000] [--commands 10000] [--runs 20]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--commands", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()

    data = tempfile.mkdtemp(prefix="chronos-bench-admin-")
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{data}/chronos.db")
    os.environ["CHRONOS_DATA_DIR"] = data
    os.environ.setdefault("SECRET_KEY", "bench-secret-key-0123456789-0123456789-0123456789")
    os.environ["DJANGO_SETTINGS_MODULE"] = "chronos.settings"
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from apps.commands.models import Command
    from apps.events.models import Calendar, Event

    settings.ALLOWED_HOSTS = ["*"]
    settings.DEBUG = True  # records each statement's time (CaptureQueriesContext does anyway)
    call_command("migrate", verbosity=0, interactive=False)
    rng = random.Random(7)
    calendars = [Calendar.objects.create(id=f"cal{i}", name=f"Calendar {i}", timezone="Europe/Berlin")
                 for i in range(5)]
    base = datetime(2026, 1, 1, 7, 0, tzinfo=UTC)
    seed_started = time.perf_counter()
    rows = []
    for i in range(args.events):
        start = base + timedelta(minutes=15 * rng.randrange(0, 4 * 24 * 730))
        length = timedelta(minutes=rng.choice((15, 30, 45, 60, 90)))
        rows.append(Event(calendar=calendars[i % 5], title=f"Event {i}", start_time=start, end_time=start + length,
                          timezone="Europe/Berlin", duration_seconds=int(length.total_seconds())))
    for i in range(0, len(rows), 5000):
        with transaction.atomic():
            Event.objects.bulk_create(rows[i:i + 5000])
    statuses = ["PENDING", "PROCESSING", "COMPLETED", "FAILED"]
    commands = [Command(command="PING", target_system="N8N", parameters={"n": i}, status=statuses[i % 4])
                for i in range(args.commands)]
    with transaction.atomic():
        Command.objects.bulk_create(commands, batch_size=2000)
    seeded = time.perf_counter() - seed_started

    client = Client()
    client.force_login(get_user_model().objects.create_superuser("bench", "b@example.com", "a-long-password"))
    pages = {
        "dashboard": "/admin/",
        "calendar_page": "/admin/calendar/?calendar=cal0",
        "calendar_week_feed": "/admin/calendar/events.json?calendar=cal0&start=2026-06-01T00:00:00Z"
                              "&end=2026-06-08T00:00:00Z&timeZone=UTC",
        "event_list": "/admin/events/event/",
    }
    out: dict = {"events": args.events, "commands": args.commands, "database": connection.vendor,
                 "seed_seconds": round(seeded, 1), "runs": args.runs, "pages": {}}
    for name, url in pages.items():
        for _ in range(3):
            assert client.get(url).status_code == 200, url
        times = []
        for _ in range(args.runs):
            started = time.perf_counter()
            response = client.get(url)
            times.append(time.perf_counter() - started)
            assert response.status_code == 200
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        times.sort()
        slowest = max(queries.captured_queries, key=lambda q: float(q["time"]), default={"sql": "", "time": 0})
        out["pages"][name] = {"median_ms": round(1000 * times[len(times) // 2], 1),
                              "p95_ms": round(1000 * times[min(len(times) - 1, int(len(times) * 0.95))], 1),
                              "queries": len(queries),
                              "slowest_query": {"ms": round(1000 * float(slowest["time"]), 1),
                                                "sql": slowest["sql"][:160]}}
    out["target_ms"] = 150
    out["dashboard_and_week_within_target"] = all(
        out["pages"][n]["median_ms"] <= 150 for n in ("dashboard", "calendar_page", "calendar_week_feed"))
    print(json.dumps(out))


if __name__ == "__main__":
    main()
