"""Outbox delivery benchmark: N webhook messages to a local receiver through worker processes.

Worker processes run the same loop the worker's per-minute schedule runs (``outbox.sweep``:
guarded batch claim, signed POST over a keep-alive session, attempt recorded). The receiver
runs in its own process. Two runs: every answer 200, then 10% of messages answered 500 once
(retried after the schedule's second step, set to 1 s here instead of 5 s).

Prints one JSON object. Uses a fresh SQLite file in a temp dir unless DATABASE_URL is set.

    .venv/bin/python bench/outbox.py [--messages 5000] [--workers 2]
"""

from __future__ import annotations

import sys
from pathlib import Path

# bench/ holds scripts named like stdlib modules (email.py ...): never import from it.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import urllib.request  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CONFIG = """
integrations:
  outbox:
    retry_schedule_seconds: [0, 1, 300, 1800, 7200, 18000, 36000, 36000]
    jitter_ratio: 0
    batch_size: {batch}
    dispatch_on_commit: false
"""

WORKER = """
import os, time
import django
django.setup()
from apps.integrations import outbox
stop = os.environ["BENCH_STOP_FILE"]
open(os.environ["BENCH_READY_FILE"], "w").close()
while not os.path.exists(stop):
    if not outbox.sweep(max_seconds=30):
        time.sleep(0.02)
"""


def _start_receiver(workdir: Path, fail_once_every: int) -> tuple[subprocess.Popen, int]:
    port_file = workdir / f"port-{fail_once_every}"
    proc = subprocess.Popen([sys.executable, "-m", "tests.fakes.webhook_receiver", "--port-file", str(port_file),
                             "--fail-once-every", str(fail_once_every)], cwd=ROOT)
    deadline = time.monotonic() + 30
    while not port_file.exists() or not port_file.read_text():
        if time.monotonic() > deadline or proc.poll() is not None:
            raise SystemExit("receiver did not start")
        time.sleep(0.05)
    return proc, int(port_file.read_text())


def _stats(port: int) -> dict:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stats") as response:
        return json.loads(response.read())


def run(*, messages: int, workers: int, fail_once_every: int, workdir: Path, env: dict) -> dict:
    from django.db import transaction

    from apps.integrations import outbox
    from apps.integrations.models import DeliveryAttempt, OutboxMessage, WebhookEndpoint
    from apps.integrations.services import create_endpoint

    DeliveryAttempt.objects.all().delete()
    OutboxMessage.objects.all().delete()
    WebhookEndpoint.objects.all().delete()
    receiver, port = _start_receiver(workdir, fail_once_every)
    endpoint, _ = create_endpoint(name="bench", url=f"http://127.0.0.1:{port}/hook", event_types=["*"])
    stop_file = workdir / f"stop-{fail_once_every}"
    procs = []
    for i in range(workers):
        ready = workdir / f"ready-{fail_once_every}-{i}"
        procs.append((subprocess.Popen([sys.executable, "-c", WORKER], cwd=ROOT, env={
            **env, "BENCH_STOP_FILE": str(stop_file), "BENCH_READY_FILE": str(ready)}), ready))
    try:
        while not all(ready.exists() for _, ready in procs):
            time.sleep(0.05)
        started = time.perf_counter()
        for offset in range(0, messages, 500):
            with transaction.atomic():
                for n in range(offset, min(offset + 500, messages)):
                    outbox.enqueue(transport="webhook", event_type="bench.message",
                                   payload={"n": n, "text": "x" * 200}, endpoint=endpoint)
        enqueued = time.perf_counter() - started
        open_statuses = [OutboxMessage.Status.PENDING, OutboxMessage.Status.DELIVERING]
        while OutboxMessage.objects.filter(status__in=open_statuses).exists():
            time.sleep(0.05)
        elapsed = time.perf_counter() - started
    finally:
        stop_file.touch()
        for proc, _ in procs:
            proc.wait(timeout=60)
    stats = _stats(port)
    receiver.terminate()
    receiver.wait()
    delivered = OutboxMessage.objects.filter(status=OutboxMessage.Status.DELIVERED).count()
    return {
        "messages": messages,
        "workers": workers,
        "delivered": delivered,
        "dead": OutboxMessage.objects.filter(status=OutboxMessage.Status.DEAD).count(),
        "seconds": round(elapsed, 2),
        "enqueue_seconds": round(enqueued, 2),
        "delivered_per_s": round(delivered / elapsed, 1),
        "http_requests": stats["requests"],
        "received_unique_ids": stats["unique_ids"],
        "ids_acknowledged_twice": stats["succeeded_twice"],
        "attempts_recorded": DeliveryAttempt.objects.count(),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=5000)
    parser.add_argument("--workers", type=int, default=2)  # worker.processes default
    parser.add_argument("--batch", type=int, default=100)
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="chronos-bench-outbox-"))
    config = workdir / "chronos.yaml"
    config.write_text(CONFIG.format(batch=args.batch))
    env = {**os.environ, "CHRONOS_CONFIG": str(config), "CHRONOS_DATA_DIR": str(workdir),
           "DJANGO_SETTINGS_MODULE": "chronos.settings", "SECRET_KEY": os.environ.get("SECRET_KEY") or "b" * 50}
    env.setdefault("DATABASE_URL", f"sqlite:///{workdir / 'bench.db'}")
    os.environ.update(env)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    ok = run(messages=args.messages, workers=args.workers, fail_once_every=0, workdir=workdir, env=env)
    flaky = run(messages=args.messages, workers=args.workers, fail_once_every=10, workdir=workdir, env=env)
    from django.conf import settings

    print(json.dumps({
        "database": settings.DATABASE_VENDOR,
        "all_succeed": ok,
        "ten_percent_fail_once": flaky,
        "target_per_s": 300,
        "target_met": ok["delivered_per_s"] >= 300 and ok["delivered"] == args.messages
        and ok["ids_acknowledged_twice"] == 0,
    }))


if __name__ == "__main__":
    main()
