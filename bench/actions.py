"""Timed actions benchmark: 100k scheduled occurrences, 1,000 due in the same minute, 2 worker processes.

Seeds a fresh database (SQLite in a temporary data dir, or the PostgreSQL database named by
``DATABASE_URL``, dropped and re-created) with 100,000 timed entries and their firings spread over
a year (written in bulk, as the scheduling path is covered by the tests), starts 2 worker
processes that each run the worker's firing loop (``apps.commands.timed.run_loop``), measures
their CPU while nothing is due, then makes 1,000 firings due within one minute and waits for them.
Prints one JSON object: p50/p99/max lateness (command ``created_at`` minus ``fire_at``), commands,
duplicates, missed, and idle CPU seconds per minute per worker.

    .venv/bin/python bench/actions.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/chronos_bench_actions .venv/bin/python bench/actions.py
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

from bench.commands import _cpu_seconds  # noqa: E402
from bench.support import bench_env, recreate_postgres  # noqa: E402

SYSTEM = "BENCH"
PARKED_DAYS = 400  # the due-minute rows wait here, beyond the year, until the measurement starts


def seed(total: int, due: int) -> None:
    """Child process: whitelist entry, ``total`` entries with one firing each; ``due`` of them parked."""
    from datetime import timedelta

    import django

    django.setup()
    from django.utils import timezone

    from apps.commands.models import ActionFiring
    from apps.commands.timed import occurrence_key
    from apps.events.models import Calendar, Event
    from apps.whitelists.models import Whitelist

    Whitelist.objects.update_or_create(system=SYSTEM, action="BACKUP", defaults={
        "allowed_params": {"keep": "int"}, "fire": "at_start"})
    calendar, _ = Calendar.objects.get_or_create(id="bench", defaults={"name": "Bench"})
    now = timezone.now()
    step = timedelta(days=365) / total
    batch = 5000
    for first in range(0, total, batch):
        events = []
        for i in range(first, min(first + batch, total)):
            start = now + timedelta(days=PARKED_DAYS) + timedelta(seconds=i) if i < due else \
                now + timedelta(hours=1) + step * i
            events.append(Event(calendar=calendar, title=f"ACTION: BACKUP {SYSTEM} keep={i % 10}", start_time=start,
                                end_time=start + timedelta(minutes=30), duration_seconds=1800))
        Event.objects.bulk_create(events)
        ActionFiring.objects.bulk_create([
            ActionFiring(event_id=e.pk, occurrence_start=e.start_time, fire_at=e.start_time, fire="at_start",
                         command_name="BACKUP", target_system=SYSTEM, parameters={"keep": int(e.title[-1])},
                         idempotency_key=occurrence_key(e.pk, e.start_time)) for e in events])


def release(due: int, lead_seconds: float, spread_seconds: float) -> str:
    """Child process: make the parked firings due from now + lead over ``spread`` seconds; prints the start."""
    from datetime import timedelta

    import django

    django.setup()
    from django.db import transaction
    from django.utils import timezone

    from apps.commands.models import ActionFiring

    start = timezone.now() + timedelta(seconds=lead_seconds)
    parked = list(ActionFiring.objects.filter(fire_at__gte=start + timedelta(days=PARKED_DAYS - 1))
                  .order_by("fire_at").values_list("pk", flat=True)[:due])
    with transaction.atomic():
        for i, pk in enumerate(parked):
            at = start + timedelta(seconds=spread_seconds * i / max(1, due - 1))
            ActionFiring.objects.filter(pk=pk).update(fire_at=at)
    print(start.isoformat())
    return start.isoformat()


def worker(seconds: float) -> None:
    """Child process: the worker's firing loop, for ``seconds``."""
    import django

    django.setup()
    from apps.commands.timed import run_loop

    class Stop:
        def __init__(self, until: float) -> None:
            self.until = until

        @property
        def requested(self) -> bool:
            return time.monotonic() >= self.until

    run_loop(Stop(time.monotonic() + seconds))


def report(start_iso: str, spread_seconds: float) -> None:
    from datetime import datetime, timedelta

    import django

    django.setup()
    from django.db.models import Count

    from apps.commands.models import ActionFiring, Command

    start = datetime.fromisoformat(start_iso)
    window = ActionFiring.objects.filter(fire_at__gte=start, fire_at__lte=start + timedelta(seconds=spread_seconds))
    late = sorted((created - fire_at).total_seconds() for fire_at, created in
                  window.filter(state="fired").values_list("fire_at", "command__created_at"))
    duplicates = sum(n - 1 for n in Command.objects.values("idempotency_key").annotate(n=Count("id"))
                     .filter(n__gt=1).values_list("n", flat=True))

    def pct(p: float) -> float | None:
        return round(late[min(len(late) - 1, int(len(late) * p))], 3) if late else None

    print(json.dumps({
        "due": window.count(), "fired": len(late), "missed": window.exclude(state="fired").count(),
        "commands": Command.objects.count(), "duplicates": duplicates,
        "fired_outside_window": ActionFiring.objects.filter(state="fired").count() - len(late),
        "lateness_p50_s": pct(0.5), "lateness_p99_s": pct(0.99), "lateness_max_s": late[-1] if late else None,
        "scheduled_left": ActionFiring.objects.filter(state="scheduled").count(),
    }))


def _child(env: dict, code: str, *, capture: bool = True) -> str:
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True, capture_output=capture,
                          text=True)
    return (done.stdout or "").strip()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--total", type=int, default=100_000)
    parser.add_argument("--due", type=int, default=1_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--idle-seconds", type=float, default=30)
    parser.add_argument("--spread-seconds", type=float, default=60)
    args = parser.parse_args()

    database_url = os.environ.get("DATABASE_URL") or None
    if database_url and not database_url.startswith("postgres"):
        database_url = None
    with tempfile.TemporaryDirectory(prefix="chronos-bench-actions-") as data_dir:
        env = bench_env(data_dir, database_url)
        if database_url:
            recreate_postgres(database_url)
        subprocess.run([sys.executable, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=env, check=True)
        started = time.perf_counter()
        _child(env, f"import bench.actions as b; b.seed({args.total}, {args.due})")
        seed_seconds = time.perf_counter() - started

        lead = 5.0
        run_for = args.idle_seconds + lead + args.spread_seconds + 20
        procs = [subprocess.Popen([sys.executable, "-c", f"import bench.actions as b; b.worker({run_for})"],
                                  cwd=ROOT, env=env) for _ in range(args.workers)]
        time.sleep(3)  # start-up (Django import) is not idle cost
        before = [_cpu_seconds(p.pid) for p in procs]
        time.sleep(args.idle_seconds)
        idle = [(_cpu_seconds(p.pid) - b) * 60 / args.idle_seconds for p, b in zip(procs, before, strict=True)]
        start_iso = _child(env, f"import bench.actions as b; b.release({args.due}, {lead}, {args.spread_seconds})")
        start_iso = start_iso.splitlines()[-1]
        for proc in procs:
            proc.wait(timeout=run_for + 120)
        figures = json.loads(_child(env, f"import bench.actions as b; b.report({start_iso!r}, {args.spread_seconds})"))
    print(json.dumps({
        "database": "postgresql" if database_url else "sqlite",
        "scheduled_occurrences": args.total, "due_in_one_minute": args.due, "worker_processes": args.workers,
        **figures,
        "idle_cpu_seconds_per_minute_per_worker": [round(x, 3) for x in idle],
        "seed_seconds": round(seed_seconds, 1),
    }))


if __name__ == "__main__":
    main()
