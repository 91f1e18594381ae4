"""``start`` and the benchmarks run granian with the ``server:`` configuration mapped to its flags."""

from __future__ import annotations

import sys

from apps.core import webserver


def _flag(args: list[str], name: str) -> str:
    return args[args.index(name) + 1]


def test_workers_threads_and_address_come_from_the_configuration(settings):
    settings.CHRONOS = {**settings.CHRONOS, "server": {"web_workers": 3, "web_threads": 6, "log_level": "WARNING"}}
    settings.HOST, settings.PORT = "127.0.0.2", 8123
    args = webserver.configured_command()
    assert args[:3] == [sys.executable, "-m", "granian"]
    assert _flag(args, "--interface") == "wsgi"
    assert (_flag(args, "--host"), _flag(args, "--port")) == ("127.0.0.2", "8123")
    assert (_flag(args, "--workers"), _flag(args, "--blocking-threads")) == ("3", "6")
    assert _flag(args, "--log-level") == "warning"
    assert _flag(args, "--workers-kill-timeout") == str(webserver.GRACEFUL_STOP_SECONDS)
    assert "--access-log" in args
    assert args[-1] == "chronos.wsgi:application"


def test_one_worker_of_one_thread_on_sqlite_when_the_configuration_says_nothing(settings):
    settings.CHRONOS = {**settings.CHRONOS, "server": {}}
    settings.DATABASE_VENDOR = "sqlite"
    args = webserver.configured_command()
    assert (_flag(args, "--workers"), _flag(args, "--blocking-threads")) == ("1", "1")
    assert _flag(args, "--log-level") == "info"


def test_the_server_stops_by_itself_before_start_would_kill_it():
    from apps.core.supervisor import STOP_GRACE_SECONDS

    assert webserver.GRACEFUL_STOP_SECONDS < STOP_GRACE_SECONDS


def test_the_benchmark_command_differs_only_in_logging():
    bench = webserver.command("127.0.0.1", 9000, workers=2, threads=4, access_log=False, log_level="warning")
    served = webserver.command("127.0.0.1", 9000, workers=2, threads=4)
    assert "--no-access-log" in bench
    different = {a for a in set(bench) ^ set(served) if not a.startswith("--")}
    assert different == {"warning", "info"}


def _scheme_seen(environ: dict) -> str:
    seen = {}

    def app(environ, start_response):
        seen["scheme"] = environ["wsgi.url_scheme"]
        return [b""]

    webserver.trust_local_proxy(app)({"wsgi.url_scheme": "http", **environ}, lambda *a: None)
    return seen["scheme"]


def test_a_proxy_on_the_same_host_can_say_the_request_came_over_https():
    assert _scheme_seen({"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_PROTO": "https"}) == "https"
    assert _scheme_seen({"REMOTE_ADDR": "::1", "HTTP_X_FORWARDED_PROTO": "HTTPS"}) == "https"
    assert _scheme_seen({"REMOTE_ADDR": "127.0.0.1"}) == "http"


def test_a_remote_client_cannot_claim_https():
    assert _scheme_seen({"REMOTE_ADDR": "203.0.113.9", "HTTP_X_FORWARDED_PROTO": "https"}) == "http"


def test_the_process_environment_is_taken_out_of_each_request():
    seen = {}

    def app(environ, start_response):
        seen.update(environ)
        return []

    wrapped = webserver.without_process_environment(app, ["DATABASE_URL", "PATH", "REMOTE_ADDR", "HTTP_X_Y"])
    wrapped({"DATABASE_URL": "postgres://u:secret@db/x", "PATH": "/bin", "REMOTE_ADDR": "10.0.0.1",
             "HTTP_X_Y": "1", "wsgi.url_scheme": "http", "PATH_INFO": "/health"}, lambda *a: None)
    assert "DATABASE_URL" not in seen and "PATH" not in seen
    assert seen["REMOTE_ADDR"] == "10.0.0.1" and seen["HTTP_X_Y"] == "1" and seen["PATH_INFO"] == "/health"


def test_on_postgresql_the_automatic_setting_gives_each_process_threads_to_overlap_waits(settings):
    settings.CHRONOS = {**settings.CHRONOS, "server": {"web_threads": 0}}
    settings.DATABASE_VENDOR = "postgresql"
    args = webserver.configured_command()
    assert _flag(args, "--blocking-threads") == str(webserver.POSTGRES_WEB_THREADS) == "4"


def test_an_explicit_thread_count_wins_over_the_automatic_one(settings):
    settings.CHRONOS = {**settings.CHRONOS, "server": {"web_threads": 2}}
    settings.DATABASE_VENDOR = "postgresql"
    assert _flag(webserver.configured_command(), "--blocking-threads") == "2"
    settings.DATABASE_VENDOR = "sqlite"
    assert _flag(webserver.configured_command(), "--blocking-threads") == "2"
