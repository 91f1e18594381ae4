"""``manage.py start``: check, migrate, first-start set-up, then web server + worker together.

What ``make run`` and the Docker image execute. Ctrl-C (SIGINT) or SIGTERM stops both;
if either process dies, the other is stopped too and the exit code says so. After the set-up
the process replaces itself with ``apps/core/supervisor.py``, which watches the two without
holding Django.
"""

from __future__ import annotations

import os
import sys

from django.conf import settings
from django.core import checks
from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from apps.core import bootstrap, lifeline, startup, supervisor, webserver


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
        # From here on only two children are watched: this process becomes the small supervisor
        # (same process id, environment and terminal) and lets go of Django's memory.
        me = os.getpid()
        web = lifeline.command(me, webserver.configured_command())
        worker = [sys.executable, os.path.abspath(sys.argv[0]), "worker", "--parent", str(me)] if with_worker else None
        args = supervisor.command(web, worker)
        connections.close_all()  # the supervisor inherits no database socket or file
        self.stdout.flush()
        sys.stdout.flush()
        sys.stderr.flush()
        os.execv(args[0], args)
