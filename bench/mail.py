"""E-mail benchmark: templated messages with a 100 KB attachment to a local SMTP server.

1. In a fresh SQLite data dir, queues N e-mails (default 1,000) from an e-mail template, each
   with the same 100 KB PDF attachment, through ``send_email`` (what the API does).
2. Starts a separate worker process that delivers them through the outbox and the ``email``
   transport (``outbox.sweep``, as the worker's sweep does) to an aiosmtpd server on 127.0.0.1,
   and reports messages/s and the worker's RSS.

Prints one JSON object.

    .venv/bin/python bench/mail.py [--messages 1000] [--attachment-kb 100]
"""

from __future__ import annotations

import sys
from pathlib import Path

# This file is named like the standard library's ``email`` package: keep its folder off the path.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _django(data_dir: str, smtp_port: int) -> None:
    os.environ["CHRONOS_DATA_DIR"] = data_dir
    os.environ.setdefault("SECRET_KEY", "bench-secret-key-that-is-long-enough-0123456789abcdef")
    os.environ["CHRONOS_SMTP_HOST"] = "127.0.0.1"
    os.environ["CHRONOS_SMTP_PORT"] = str(smtp_port)
    os.environ["CHRONOS_MAIL_FROM"] = "bench@example.org"
    os.environ.pop("DATABASE_URL", None)
    os.environ.pop("REDIS_URL", None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "chronos.settings"
    import django

    django.setup()
    from django.conf import settings

    chronos = dict(settings.CHRONOS)
    integrations = dict(chronos.get("integrations") or {})
    # The benchmark drives delivery itself; no task broker involved.
    integrations["outbox"] = {**(integrations.get("outbox") or {}), "dispatch_on_commit": False, "batch_size": 100}
    chronos["integrations"] = integrations
    settings.CHRONOS = chronos


def worker(data_dir: str, smtp_port: int) -> None:
    """Child process: deliver everything queued and print timing + RSS as JSON."""
    import psutil

    _django(data_dir, smtp_port)
    from apps.integrations import outbox

    process = psutil.Process()
    rss_start = process.memory_info().rss
    cpu0 = process.cpu_times()
    t0 = time.perf_counter()
    if os.environ.get("BENCH_PROFILE"):
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        totals = profiler.runcall(outbox.sweep, max_seconds=3600)
        pstats.Stats(profiler, stream=sys.stderr).sort_stats("cumulative").print_stats(40)
    else:
        totals = outbox.sweep(max_seconds=3600)
    elapsed = time.perf_counter() - t0
    cpu1 = process.cpu_times()
    print(json.dumps({
        "elapsed": elapsed,
        "cpu_seconds": (cpu1.user - cpu0.user) + (cpu1.system - cpu0.system),
        "totals": totals,
        "rss_start_mb": rss_start / 2**20,
        "rss_end_mb": process.memory_info().rss / 2**20,
    }))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--attachment-kb", type=int, default=100)
    parser.add_argument("--workers", type=int, default=2, help="worker processes (worker.processes defaults to 2)")
    parser.add_argument("--worker", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker[0], int(args.worker[1]))
        return

    from tests.fakes.smtp import FakeSMTP

    # The machine may be shared: the load before the run says how far to trust the wall clock.
    load_before = round(os.getloadavg()[0], 2)
    server = FakeSMTP().start()
    data_dir = tempfile.mkdtemp(prefix="chronos-bench-email-")
    _django(data_dir, server.port)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from apps.integrations.email.models import EmailMessageLog
    from apps.integrations.email.sending import send_email
    from apps.templates.models import Template

    template = Template.objects.create(
        type="email",
        title="Bench",
        subject="Report for {{user.name}}: {{event.title}}",
        body_html="<h1>{{event.title}}</h1><p>Dear {{user.name}}, the report is attached.</p>"
        "<p><a href='https://example.org/r/{{event.id}}'>Open online</a></p>",
    )
    attachment = os.urandom(args.attachment_kb * 1024)
    t0 = time.perf_counter()
    for n in range(args.messages):
        send_email(
            to=[f"user{n}@example.com"],
            template=template,
            context={"user": {"name": f"User {n}"}, "event": {"title": f"Weekly <report> #{n}", "id": n}},
            attachments=[{"filename": "report.pdf", "content_type": "application/pdf", "content": attachment}],
        )
    queue_seconds = time.perf_counter() - t0

    # The workers claim from the same outbox (guarded UPDATEs), each over its own SMTP session.
    # This process only runs the aiosmtpd thread meanwhile: its CPU time is the server's.
    t0 = time.perf_counter()
    server_cpu0 = time.process_time()
    procs = [
        subprocess.Popen([sys.executable, __file__, "--worker", data_dir, str(server.port)],
                         stdout=subprocess.PIPE, text=True, cwd=str(ROOT))
        for _ in range(args.workers)
    ]
    results = []
    for proc in procs:
        stdout, _ = proc.communicate()
        if proc.returncode:
            raise SystemExit(f"worker failed with exit code {proc.returncode}")
        results.append(json.loads(stdout.strip().splitlines()[-1]))
    send_seconds = time.perf_counter() - t0
    server_cpu_seconds = time.process_time() - server_cpu0
    load_after = round(os.getloadavg()[0], 2)
    totals: dict[str, int] = {}
    for result in results:
        for key, value in result["totals"].items():
            totals[key] = totals.get(key, 0) + value
    cpu_seconds = sum(r["cpu_seconds"] for r in results)
    sent = EmailMessageLog.objects.filter(status="sent").count()
    arrived = server.messages
    # Parsed only now, outside the timing: the server itself just records the raw bytes.
    intact = sum(
        1 for m in arrived
        if next(m.parsed.iter_attachments()).get_payload(decode=True) == attachment
    )
    recipients = {address for m in arrived for address in m.rcpt_tos}
    server.stop()
    print(json.dumps({
        "messages": args.messages,
        "attachment_bytes": len(attachment),
        "queue_messages_per_s": round(args.messages / queue_seconds, 1),
        "workers": args.workers,
        "send_seconds": round(send_seconds, 2),
        "send_messages_per_s": round(args.messages / send_seconds, 1),
        # Load-independent: worker CPU per message, and what one core would sustain at that cost.
        "worker_cpu_ms_per_message": round(1000 * cpu_seconds / args.messages, 2),
        "messages_per_s_per_worker_core": round(args.messages / cpu_seconds, 1),
        # The pure-Python aiosmtpd server shares the machine: its cost per message, for scale.
        "server_cpu_ms_per_message": round(1000 * server_cpu_seconds / args.messages, 2),
        "load_1min_before_and_after": [load_before, load_after],
        "smtp_sessions": server.connections,
        "sent": sent,
        "arrived": len(arrived),
        "attachments_intact": intact,
        "distinct_recipients": len(recipients),
        "worker_rss_mb_start": round(max(r["rss_start_mb"] for r in results), 1),
        "worker_rss_mb_end": round(max(r["rss_end_mb"] for r in results), 1),
        "outcomes": totals,
        "targets": {"messages_per_s": 100, "rss_mb": 200},
    }))


if __name__ == "__main__":
    main()
