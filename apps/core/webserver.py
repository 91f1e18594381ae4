"""The production web server (granian, WSGI): its command line, how it is launched and killed.

One place for ``manage.py start`` and the benchmarks in ``bench/``, so what is measured is what
runs. granian parses HTTP in Rust: a hello-world WSGI round trip costs 0.165 ms against 0.40 ms
under gunicorn gthread on the 2-core development machine.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable
from pathlib import Path

from django.conf import settings

from chronos.config import current

# granian kills a worker that has not finished its requests this long after the stop; it is
# below the supervisor's STOP_GRACE_SECONDS (apps.core.supervisor), so the server stops by
# itself before being killed.
GRACEFUL_STOP_SECONDS = 10
# WSGI threads per process when ``server.web_threads`` is 0 (automatic) and the database is
# PostgreSQL: a request there waits on the network and on the commit's WAL flush, and the
# other threads use that time (see chronos.config.Server.web_threads).
POSTGRES_WEB_THREADS = 4
# Blocking threads are the WSGI threads. granian ends one after this long idle (30 s by default),
# and with it the thread's database connection; 600 s is granian's maximum.
THREAD_IDLE_SECONDS = 600
LOG_LEVELS = {"critical", "error", "warning", "info", "debug"}
BASE_DIR = Path(__file__).resolve().parent.parent.parent
_LOOPBACK = frozenset({"127.0.0.1", "::1"})


def command(host: str, port: int, *, workers: int, threads: int, access_log: bool = True,
            log_level: str = "info") -> list[str]:
    """The command line that serves ``chronos.wsgi:application`` on ``host:port``."""
    level = log_level.lower()
    return [
        sys.executable, "-m", "granian",
        "--interface", "wsgi",
        "--no-ws",  # WSGI has none; saying so keeps granian from logging that it ignores them
        "--host", host,
        "--port", str(port),
        "--workers", str(workers),
        "--blocking-threads", str(threads),
        "--blocking-threads-idle-timeout", str(THREAD_IDLE_SECONDS),
        "--backlog", "2048",
        # As gunicorn did: a worker that dies is replaced (granian gives up on a crash loop).
        "--respawn-failed-workers",
        "--workers-kill-timeout", str(GRACEFUL_STOP_SECONDS),
        "--access-log" if access_log else "--no-access-log",
        "--log-level", level if level in LOG_LEVELS else "info",
        "--working-dir", str(BASE_DIR),
        "chronos.wsgi:application",
    ]


def automatic_threads(vendor: str) -> int:
    """WSGI threads per web process for ``server.web_threads: 0`` on a database of ``vendor``."""
    return POSTGRES_WEB_THREADS if vendor == "postgresql" else 1


def threads() -> int:
    """WSGI threads per web process: ``server.web_threads``, or by database when it is 0."""
    return current().server.web_threads or automatic_threads(settings.DATABASE_VENDOR)


def configured_command() -> list[str]:
    """:func:`command` for the ``server:`` section of the configuration (what ``start`` runs)."""
    server = current().server
    return command(settings.HOST, settings.PORT, workers=server.web_workers, threads=threads(),
                   log_level=server.log_level)


# What a WSGI environ legitimately holds besides HTTP_* headers and wsgi.* keys (PEP 3333, CGI).
_CGI_KEYS = frozenset({
    "REQUEST_METHOD", "SCRIPT_NAME", "PATH_INFO", "QUERY_STRING", "CONTENT_TYPE", "CONTENT_LENGTH",
    "SERVER_NAME", "SERVER_PORT", "SERVER_PROTOCOL", "SERVER_SOFTWARE", "REMOTE_ADDR", "REMOTE_HOST",
    "REMOTE_PORT", "REQUEST_URI", "RAW_URI", "HTTPS", "GATEWAY_INTERFACE",
})


def without_process_environment(app: Callable, environment: Iterable[str] | None = None) -> Callable:
    """``app`` with the server process's environment variables taken out of each request's environ.

    granian builds every environ on top of ``os.environ`` (as ``runserver`` does; gunicorn did
    not), so ``DATABASE_URL`` with its password would sit in every ``request.META`` and show on
    a debug error page. The names are read once, when the application is loaded.
    """
    names = frozenset(environment if environment is not None else os.environ)
    drop = tuple(sorted(n for n in names if n not in _CGI_KEYS and not n.startswith(("HTTP_", "wsgi."))))

    def application(environ: dict, start_response: Callable) -> Iterable[bytes]:
        for name in drop:
            environ.pop(name, None)
        return app(environ, start_response)

    return application


def trust_local_proxy(app: Callable) -> Callable:
    """``app`` taking ``X-Forwarded-Proto`` from a proxy on the same host, as gunicorn did.

    gunicorn's default ``forwarded_allow_ips`` (127.0.0.1, ::1) made a request https when a TLS
    proxy on the same host said so; granian has no such option. From any other peer the header
    is ignored: a client could send it itself. ``REMOTE_ADDR`` stays the peer's address, and
    ``X-Forwarded-For`` is read by neither.
    """

    def application(environ: dict, start_response: Callable) -> Iterable[bytes]:
        if "HTTP_X_FORWARDED_PROTO" in environ and environ.get("REMOTE_ADDR") in _LOOPBACK:
            https = environ["HTTP_X_FORWARDED_PROTO"].lower() == "https"
            environ["wsgi.url_scheme"] = "https" if https else "http"
        return app(environ, start_response)

    return application
