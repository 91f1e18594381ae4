"""Calendar sync benchmark (real HTTP, real client libraries). Prints one JSON object.

``--source google`` (default), against the fake Google Calendar server in its own process:
1. first full sync of N events (default 20,000), plugin pipeline included;
2. incremental sync of 200 remote changes (150 edits, 25 deletes, 25 new) over that store.

``--source caldav``, against a real Radicale server on 127.0.0.1 (its own process):
1. first full sync of N events (default 5,000): sync-collection + calendar-multiget, pipeline;
2. incremental sync of 10 changes (8 edits, 1 delete, 1 new) by sync-token, over that store
   and over a calendar a tenth of its size (the time should not grow with the calendar).
Radicale parses every entry once on first read; that warm-up is done before timing and
reported apart. ``server_seconds`` is the time spent waiting for Radicale (inside the source's
listing), the rest of a sync is Chronos's own share.

Uses a fresh SQLite file in a temp dir unless DATABASE_URL is set.

    .venv/bin/python bench/sync.py [--events 20000] [--changes 200] [--standard-writes]
    .venv/bin/python bench/sync.py --source caldav [--events 5000] [--changes 10]
"""

from __future__ import annotations

import sys
from pathlib import Path

# bench/ holds scripts named like stdlib modules (email.py ...): never import from it.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import resource  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import urllib.request  # noqa: E402
from datetime import UTC, datetime, timedelta  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
CALENDAR = "bench@example.com"


def _start_fake(events: int, spacing: int, workdir: Path) -> tuple[subprocess.Popen, int]:
    port_file = workdir / "port"
    start = (datetime.now(UTC) - timedelta(days=7)).isoformat()
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.fakes.google_calendar", "--calendar", CALENDAR, "--seed", str(events),
         "--seed-start", start, "--spacing-minutes", str(spacing), "--port-file", str(port_file)],
        cwd=ROOT, stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while not port_file.exists() or not port_file.read_text():
        if time.monotonic() > deadline or proc.poll() is not None:
            raise SystemExit("fake Google server did not start")
        time.sleep(0.05)
    return proc, int(port_file.read_text())


def _call(base: str, method: str, path: str, body: dict | None = None) -> None:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(f"{base}{path}", data=data, method=method,
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request) as response:
        response.read()


def _ics(uid: str, summary: str, start: datetime) -> str:
    end = start + timedelta(minutes=30)
    return ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//bench//EN\r\nBEGIN:VEVENT\r\n"
            f"UID:{uid}\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:{start:%Y%m%dT%H%M%SZ}\r\n"
            f"DTEND:{end:%Y%m%dT%H%M%SZ}\r\nSUMMARY:{summary}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")


class _TimedListing:
    """Wraps a source so the time spent inside its listing (waiting for the server) is counted."""

    def __init__(self, source) -> None:
        self.source = source
        self.seconds = 0.0

    def __getattr__(self, name):
        return getattr(self.source, name)

    def list_events(self, **kwargs):
        pages = self.source.list_events(**kwargs)
        while True:
            began = time.perf_counter()
            try:
                page = next(pages)
            except StopIteration:
                self.seconds += time.perf_counter() - began
                return
            self.seconds += time.perf_counter() - began
            yield page


def caldav_main(args) -> None:
    sys.path.insert(0, str(ROOT))
    from tests.sync.radicale import PASSWORD, USER, RadicaleServer

    workdir = Path(tempfile.mkdtemp(prefix="chronos-bench-caldav-"))
    os.environ.update(CHRONOS_DATA_DIR=str(workdir), DJANGO_SETTINGS_MODULE="chronos.settings",
                      SECRET_KEY=os.environ.get("SECRET_KEY") or "bench-secret-key-0123456789-abcdefghijklmnop")
    with RadicaleServer() as radicale:
        import django

        django.setup()
        import logging

        logging.disable(logging.WARNING)
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        from apps.events.models import Calendar, Event
        from apps.sync.services import sync_now
        from apps.sync.sources import source_for

        first = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(days=1)
        results = {}
        for size in (args.events, max(1, args.events // 10)):
            name = f"bench{size}"
            url = radicale.make_calendar(name)
            folder = radicale.dir / "collections" / "collection-root" / USER / name
            for n in range(size):  # written as files: thousands of PUTs would time the setup, not the sync
                (folder / f"e{n}.ics").write_text(_ics(f"e{n}", f"Entry {n}", first + timedelta(minutes=30 * n)))
            began = time.perf_counter()
            radicale.request("PROPFIND", url, None, {"Depth": "1"}, timeout=1800)  # Radicale parses each file once
            warmup = time.perf_counter() - began
            calendar = Calendar(id=name, name=name, source="caldav", url=url, username=USER, timezone="Europe/Berlin",
                                sync_past_days=30, sync_future_days=3650)
            calendar.set_password(PASSWORD)
            calendar.save()

            source = _TimedListing(source_for(calendar))
            began = time.perf_counter()
            full = sync_now(calendar, source=source)
            full_seconds = time.perf_counter() - began
            full_server = source.seconds

            edits = max(0, args.changes - 2)
            for n in range(edits):
                k = (n * 7) % size
                radicale.put(url, f"e{k}.ics", _ics(f"e{k}", f"Edited {n}", first + timedelta(minutes=30 * k, hours=1)))
            radicale.delete(url, f"e{(edits * 7 + 3) % size}.ics")
            radicale.put(url, "new.ics", _ics("new", "New", first + timedelta(hours=5)))
            source = _TimedListing(source_for(calendar))
            began = time.perf_counter()
            incremental = sync_now(calendar, source=source)
            inc_seconds = time.perf_counter() - began
            results[size] = {
                "server_warmup_seconds": round(warmup, 2),
                "full_sync": {"status": full.status, "events": full.created, "seconds": round(full_seconds, 3),
                              "events_per_second": round(full.created / full_seconds),
                              "server_seconds": round(full_server, 3),
                              "chronos_seconds": round(full_seconds - full_server, 3)},
                "incremental_sync": {"status": incremental.status, "changes": incremental.fetched,
                                     "created": incremental.created, "updated": incremental.updated,
                                     "deleted": incremental.deleted,
                                     "stored": Event.objects.filter(calendar=calendar).count(),
                                     "ms": round(inc_seconds * 1000, 1), "server_ms": round(source.seconds * 1000, 1),
                                     "chronos_ms": round((inc_seconds - source.seconds) * 1000, 1)},
            }
        print(json.dumps({
            "source": "caldav (Radicale on 127.0.0.1)",
            "database": "postgresql" if "postgres" in os.environ.get("DATABASE_URL", "") else "sqlite",
            "writes": "bulk_create/bulk_update" if args.standard_writes else "prepared",
            "calendars": {str(size): figures for size, figures in results.items()},
        }))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--source", choices=("google", "caldav"), default="google")
    parser.add_argument("--events", type=int, default=None)
    parser.add_argument("--changes", type=int, default=None)
    parser.add_argument("--standard-writes", action="store_true",
                        help="google: event rows written by bulk_create/bulk_update (sync.prepared_bulk_writes: false)")
    args = parser.parse_args()
    if args.source == "caldav":
        args.events = args.events or 5000
        args.changes = args.changes or 10
        caldav_main(args)
        return
    args.events = args.events or 20000
    args.changes = args.changes or 200

    workdir = Path(tempfile.mkdtemp(prefix="chronos-bench-sync-"))
    proc, port = _start_fake(args.events, 5, workdir)
    api = f"http://127.0.0.1:{port}/calendar/v3/"
    token = workdir / "google_token.json"
    token.write_text(json.dumps({"token": "bench", "refresh_token": "r", "client_id": "c", "client_secret": "s",
                                 "expiry": "2100-01-01T00:00:00Z"}))
    os.environ.update(CHRONOS_DATA_DIR=str(workdir), CHRONOS_GOOGLE_API_ENDPOINT=api,
                      CHRONOS_GOOGLE_TOKEN=str(token), DJANGO_SETTINGS_MODULE="chronos.settings",
                      SECRET_KEY=os.environ.get("SECRET_KEY") or "bench-secret-key-0123456789-abcdefghijklmnop")
    sys.path.insert(0, str(ROOT))
    if args.standard_writes:
        from bench.support import override_config

        os.environ.update(override_config({}, str(workdir), {"sync": {"prepared_bulk_writes": False}}))
    try:
        import django

        django.setup()
        import logging

        logging.disable(logging.WARNING)
        import psutil
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        from apps.events.models import Calendar, Event
        from apps.sync.services import sync_now

        calendar = Calendar.objects.create(id="bench", name="Bench", source="google", external_id=CALENDAR,
                                           timezone="Europe/Berlin", sync_past_days=30, sync_future_days=365)
        profile = None
        if os.environ.get("BENCH_PROFILE"):
            import cProfile

            profile = cProfile.Profile()
            profile.enable()
        began, cpu = time.perf_counter(), time.process_time()
        full = sync_now(calendar)
        full_seconds, full_cpu = time.perf_counter() - began, time.process_time() - cpu
        if profile is not None:
            import pstats

            profile.disable()
            pstats.Stats(profile, stream=sys.stderr).sort_stats("cumulative").print_stats(40)
        rss_after_full = psutil.Process().memory_info().rss

        base = f"http://127.0.0.1:{port}/calendar/v3/calendars/{CALENDAR}/events"
        edits, deletes = int(args.changes * 0.75), args.changes // 8
        inserts = args.changes - edits - deletes
        for n in range(edits):
            _call(base, "PATCH", f"/seed{n * 7:07d}", {"summary": f"Edited {n}", "location": "Room 9"})
        for n in range(deletes):
            _call(base, "DELETE", f"/seed{n * 7 + 3:07d}")
        when = datetime.now(UTC) + timedelta(days=3)
        for n in range(inserts):
            start = when + timedelta(hours=n)
            _call(base, "POST", "", {"summary": f"New {n}", "start": {"dateTime": start.isoformat()},
                                     "end": {"dateTime": (start + timedelta(minutes=30)).isoformat()}})
        began, cpu = time.perf_counter(), time.process_time()
        incremental = sync_now(calendar)
        incremental_seconds, incremental_cpu = time.perf_counter() - began, time.process_time() - cpu
        peak_rss_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

        print(json.dumps({
            "database": "postgresql" if "postgres" in os.environ.get("DATABASE_URL", "") else "sqlite",
            "writes": "bulk_create/bulk_update" if args.standard_writes else "prepared",
            "full_sync": {"status": full.status, "events": full.created, "fetched": full.fetched,
                          "seconds": round(full_seconds, 3), "events_per_second": round(full.created / full_seconds),
                          "cpu_seconds": round(full_cpu, 3), "target_events_per_second": 3000},
            "incremental_sync": {"status": incremental.status, "changes": incremental.fetched,
                                 "created": incremental.created, "updated": incremental.updated,
                                 "deleted": incremental.deleted, "stored": Event.objects.count(),
                                 "seconds": round(incremental_seconds, 3), "cpu_seconds": round(incremental_cpu, 3),
                                 "target_seconds": 1.0},
            "worker_rss_mb": {"after_full_sync": round(rss_after_full / 2**20, 1),
                              "peak": round(peak_rss_kb / 1024, 1), "target": 200},
        }))
    finally:
        proc.terminate()
        proc.wait(10)


if __name__ == "__main__":
    main()
