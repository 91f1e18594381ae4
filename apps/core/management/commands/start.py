"""``manage.py start``: check, migrate, first-start set-up, then web server + worker together.

What ``make run`` and the Docker image execute. Ctrl-C (SIGINT) or SIGTERM stops both;
if either process dies, the other is stopped too and the exit code says so.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core import checks
from django.core.management.base import BaseCommand, CommandError

from apps.core import bootstrap, lifeline, startup, webserver

STOP_GRACE_SECONDS = 15


class Command(BaseCommand):
    help = "Migrate, set up on first start, and run the web server and the worker."
    # Checks run in handle() so each problem is printed as one plain line.
    requires_system_checks: list = []

    def add_arguments(self, parser):
        parser.add_argument("--no-worker", action="store_true", help="run only the web server")

    def handle(self, *args, no_worker: bool = False, **options):
        errors = [m for m in checks.run_checks(include_deployment_checks=False) if m.is_serious()]
        if errors:
            for message in errors:
                self.stderr.write(f"configuration error: {message.msg}")
            raise CommandError("fix the configuration above and start again")
        startup.migrate_if_needed()
        startup.collect_static_if_needed()
        result = bootstrap.run()
        self._announce(result)
        os.environ["CHRONOS_START_PID"] = str(os.getpid())  # children report the tree's memory from here
        self._serve(with_worker=not no_worker)

    def _announce(self, result: bootstrap.BootstrapResult) -> None:
        host = "localhost" if settings.HOST in ("0.0.0.0", "::", "") else settings.HOST
        base = f"http://{host}:{settings.PORT}"
        lines = [f"Chronos {settings.VERSION} on {base}  (admin: {base}/admin/, API docs: {base}/docs)"]
        if "*" not in settings.ALLOWED_HOSTS:
            lines.append(f"  answers to the host names {', '.join(settings.ALLOWED_HOSTS)} "
                         "(others: list them in CHRONOS_ALLOWED_HOSTS)")
        if result.admin_created:
            where = "from CHRONOS_ADMIN_PASSWORD" if result.password_from_env else result.password
            lines += [
                "First start: created the admin user and an API key. They are shown only now.",
                f"  admin login: {result.username} / {where}",
                f"  API key (scope admin): {result.api_key}",
                f"  try: curl -H 'Authorization: Bearer {result.api_key}' {base}/api/v1/events",
            ]
        if result.sample_events:
            lines.append(f"  created the 'mock' calendar with {result.sample_events} sample events")
        self.stdout.write("\n".join(lines))
        self.stdout.flush()

    def _serve(self, *, with_worker: bool) -> None:
        # Both children die with this process: a `kill -9` of `start` leaves nothing running.
        me = os.getpid()
        procs = {"web": webserver.launch(lifeline.command(me, webserver.configured_command()))}
        if with_worker:
            procs["worker"] = subprocess.Popen([sys.executable, sys.argv[0], "worker", "--parent", str(me)])

        requested = {"stop": False}

        def on_signal(signum, frame):
            # Only a flag: the loop below does the work (a handler may interrupt anything).
            requested["stop"] = True

        signal.signal(signal.SIGINT, on_signal)
        signal.signal(signal.SIGTERM, on_signal)
        exit_code = 0
        deadline = None  # set once the children have been asked to stop
        while any(p.poll() is None for p in procs.values()):
            for name, proc in procs.items():
                if proc.poll() is not None and deadline is None and not requested["stop"]:
                    self.stderr.write(f"{name} exited with code {proc.returncode}; stopping the rest")
                    exit_code = proc.returncode or 1
                    requested["stop"] = True
            if requested["stop"] and deadline is None:
                deadline = time.monotonic() + STOP_GRACE_SECONDS
                for proc in procs.values():
                    if proc.poll() is None:
                        proc.send_signal(signal.SIGTERM)
            if deadline is not None and time.monotonic() > deadline:
                for name, proc in procs.items():
                    if proc.poll() is None:
                        self.stderr.write(f"{name} did not stop within {STOP_GRACE_SECONDS} s; killed")
                        if name == "web":
                            webserver.kill(proc)
                        else:
                            proc.kill()
                            proc.wait()
            time.sleep(0.2)
        # Workers outlive a main process that died (granian's do not watch their parent).
        webserver.kill(procs["web"])
        self.stdout.write("Chronos stopped.")
        if exit_code:
            sys.exit(exit_code)
