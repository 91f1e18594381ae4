"""The configuration: ``config/chronos.yaml`` overridden by environment variables, checked
against one declaration of every key and read by the code as frozen, typed sections.

Loading never raises. Problems are collected and reported by the ``chronos.E001`` system
check, so a wrong value stops ``check`` and ``start`` with one line naming the key instead
of a traceback from deep inside the first request that reads it.
"""

from __future__ import annotations

import copy
import dataclasses
import functools
import ipaddress
import os
import types
import typing
import zoneinfo
from collections.abc import Callable
from dataclasses import MISSING, dataclass, field, fields
from pathlib import Path
from typing import Any

import yaml

from chronos.dotted import set_path

BASE_DIR = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG_PATH = BASE_DIR / "config" / "chronos.yaml"

# Environment variable -> (dotted key, type). Names are part of the public contract.
ENV_OVERRIDES: dict[str, tuple[str, type]] = {
    "CHRONOS_HOST": ("server.host", str),
    "CHRONOS_PORT": ("server.port", int),
    "CHRONOS_DATA_DIR": ("server.data_dir", str),
    "CHRONOS_STATIC_ROOT": ("server.static_root", str),
    "CHRONOS_DEBUG": ("server.debug", bool),
    "CHRONOS_ALLOWED_HOSTS": ("server.allowed_hosts", list),
    "CHRONOS_BEHIND_TLS_PROXY": ("server.behind_tls_proxy", bool),
    "CHRONOS_TIME_ZONE": ("server.time_zone", str),
    "DATABASE_URL": ("database.url", str),
    "REDIS_URL": ("redis_url", str),
    "CHRONOS_GOOGLE_CREDENTIALS": ("google.credentials_file", str),
    "CHRONOS_GOOGLE_TOKEN": ("google.token_file", str),
    "CHRONOS_GOOGLE_API_ENDPOINT": ("google.api_endpoint", str),
    "CHRONOS_TELEGRAM_BOT_TOKEN": ("telegram.bot_token", str),
    "CHRONOS_TELEGRAM_WEBHOOK_SECRET": ("telegram.webhook_secret", str),
    "CHRONOS_TELEGRAM_ALLOWED_CHATS": ("telegram.allowed_chats", list),
    "CHRONOS_TELEGRAM_API_BASE": ("telegram.api_base", str),
    "CHRONOS_SMTP_HOST": ("email.smtp.host", str),
    "CHRONOS_SMTP_PORT": ("email.smtp.port", int),
    "CHRONOS_SMTP_USER": ("email.smtp.user", str),
    "CHRONOS_SMTP_PASSWORD": ("email.smtp.password", str),
    "CHRONOS_SMTP_TLS": ("email.smtp.tls", bool),
    "CHRONOS_SMTP_SSL": ("email.smtp.ssl", bool),
    "CHRONOS_MAIL_FROM": ("email.from", str),
}

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


class ConfigError(ValueError):
    """A configuration value that cannot be used."""


def _coerce(raw: str, kind: type, name: str) -> Any:
    if kind is int:
        try:
            return int(raw)
        except ValueError:
            raise ConfigError(f"{name}={raw!r} is not an integer") from None
    if kind is bool:
        lowered = raw.strip().lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
        raise ConfigError(f"{name}={raw!r} is not a boolean (use true/false)")
    if kind is list:
        return [part.strip() for part in raw.split(",") if part.strip()]
    return raw


def load(path: str | os.PathLike | None = None, environ: dict | None = None) -> tuple[dict, list[str]]:
    """Return ``(config, errors)``; ``errors`` holds one readable line per problem."""
    environ = os.environ if environ is None else environ
    errors: list[str] = []
    config_path = Path(path or environ.get("CHRONOS_CONFIG") or DEFAULT_CONFIG_PATH)
    data: dict = {}
    try:
        with open(config_path, encoding="utf-8") as fh:
            loaded = yaml.safe_load(fh)
        if loaded is None:
            loaded = {}
        if not isinstance(loaded, dict):
            errors.append(f"{config_path}: the top level must be a mapping of sections")
        else:
            data = copy.deepcopy(loaded)
    except FileNotFoundError:
        if environ.get("CHRONOS_CONFIG"):
            errors.append(f"CHRONOS_CONFIG points to {config_path}, which does not exist")
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        errors.append(f"{config_path}: invalid YAML{where}: {getattr(exc, 'problem', exc)}")

    for name, (dotted, kind) in ENV_OVERRIDES.items():
        raw = environ.get(name)
        if raw is None:
            continue
        try:
            set_path(data, dotted, _coerce(raw, kind, name))
        except ConfigError as exc:
            errors.append(str(exc))
    data["_path"] = str(config_path)
    return data, errors


# --- Typed sections -------------------------------------------------------------------------
#
# Each key of config/chronos.yaml is declared once below: its type, its default and its limits.
# ``build()`` checks a loaded mapping against these declarations and returns frozen objects;
# ``current()`` is how the code reads them. The YAML file repeats the defaults as documentation
# (a test keeps the two equal).


def setting(default: Any = MISSING, *, min: float | None = None, max: float | None = None,
            choices: tuple | None = None, check: Callable[[Any], str | None] | None = None,
            key: str | None = None, factory: Callable[[], Any] | None = None) -> Any:
    """A declared key: ``min``/``max`` bound numbers and list items, ``choices`` is an enum,
    ``check`` returns a problem text or None, ``key`` names the YAML key when it is no identifier."""
    meta = {"min": min, "max": max, "choices": choices, "check": check, "key": key}
    if factory is not None:
        return field(default_factory=factory, metadata=meta)
    return field(default=default, metadata=meta)


def _zone(value: str) -> str | None:
    if not value:
        return None
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return f"unknown time zone {value!r}"
    return None


def _network(value: str) -> str | None:
    try:
        ipaddress.ip_network(value, strict=False)
    except ValueError:
        return f"{value!r} is not an IP network (e.g. 10.0.0.0/8)"
    return None


def _cron(value: str) -> str | None:
    from croniter import croniter

    return None if croniter.is_valid(value) else f"{value!r} is not a cron expression (e.g. \"0 2 * * *\")"


def _working_hours(value: dict) -> str | None:
    days = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"}
    for day, span in value.items():
        if day not in days:
            return f"unknown day {day!r} (use mon..sun)"
        if not (isinstance(span, (list, tuple)) and len(span) == 2 and all(_clock(t) for t in span)):
            return f"{day}: expected [\"HH:MM\", \"HH:MM\"], got {span!r}"
    return None


def _clock(value: Any) -> bool:
    try:
        hours, minutes = str(value).split(":")
        return 0 <= int(hours) <= 24 and 0 <= int(minutes) < 60 and (int(hours) < 24 or int(minutes) == 0)
    except ValueError:
        return False


LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL", "debug", "info", "warning", "error", "critical")


@dataclass(frozen=True)
class Server:
    host: str = "0.0.0.0"
    port: int = setting(8080, min=1, max=65535)
    web_workers: int = setting(1, min=1, max=64)
    # One thread per process: each thread has its own SQLite connection, and SQLite drops a
    # connection's page cache whenever another one has written, so requests rotating over four
    # threads cost 0.25 ms more CPU each than requests on one (measured in process; 520 against
    # 480 sequential creates/s over HTTP). Python runs one thread at a time anyway: more threads
    # only help requests that wait on the network - and on PostgreSQL every request does (each
    # statement is a round trip, each commit waits for the server's WAL flush): 4 threads per
    # process served 1.65x the command queue rate of 1 (bench/commands.py, 2 processes). 0 picks
    # by database: 1 on SQLite, POSTGRES_WEB_THREADS on PostgreSQL (apps.core.webserver.threads).
    web_threads: int = setting(0, min=0, max=256)
    debug: bool = False
    # Local names only: what `start` prints (localhost, or server.host when it is not 0.0.0.0,
    # which settings add) answers; any other Host header is 400 until it is listed here.
    allowed_hosts: tuple[str, ...] = ("localhost", "127.0.0.1", "[::1]")
    csrf_trusted_origins: tuple[str, ...] = ()
    behind_tls_proxy: bool = False
    time_zone: str = setting("UTC", check=_zone)
    data_dir: str = "data"
    static_root: str = ""
    log_level: str = setting("INFO", choices=LOG_LEVELS)


@dataclass(frozen=True)
class Security:
    login_failure_limit: int = setting(5, min=1)
    lockout_minutes: float = setting(15, min=0.1)
    trusted_proxies: tuple[str, ...] = setting(("127.0.0.1/32", "::1/128"), check=_network)
    hsts_seconds: int = setting(31536000, min=0)

    @property
    def proxies(self) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
        return _networks(self.trusted_proxies)


@dataclass(frozen=True)
class Database:
    url: str = ""
    sqlite_busy_timeout_ms: int = setting(5000, min=0)
    sqlite_checkpoint_seconds: float = setting(1.0, min=0)
    sqlite_wal_autocheckpoint_pages: int = setting(10000, min=100)
    postgres_conn_max_age_seconds: int = setting(600, min=0)
    postgres_health_checks: bool = False
    cache_config_rows: bool = True
    cache_compiled_reads: bool = True


@dataclass(frozen=True)
class Api:
    key_rotation_grace_hours: int = setting(24, min=0)
    idempotency_ttl_hours: int = setting(24, min=1)
    default_page_size: int = setting(100, min=1)
    max_page_size: int = setting(500, min=1)
    last_used_resolution_seconds: int = setting(60, min=0)
    max_body_bytes: int = setting(32 * 1024 * 1024, min=1024)
    orjson_renderer: bool = True


@dataclass(frozen=True)
class Worker:
    processes: int = setting(1, min=1, max=64)
    task_timeout_seconds: int = setting(600, min=1)
    task_retry_seconds: int = setting(660, min=2)
    heartbeat_seconds: float = setting(5, min=0.1)
    heartbeat_stale_seconds: int = setting(60, min=1)


@dataclass(frozen=True)
class Events:
    default_calendar: str = "default"
    max_title_length: int = setting(500, min=1)
    max_description_bytes: int = setting(65536, min=1)
    recurrence_horizon_days: int = setting(730, min=1, max=36500)


@dataclass(frozen=True)
class Admin:
    username: str = "admin"
    email: str = "admin@localhost"


@dataclass(frozen=True)
class Audit:
    enabled: bool = True


@dataclass(frozen=True)
class Plugins:
    enabled: tuple[str, ...] = ("command_handler",)
    custom_dir: str = "plugins/custom"
    settings: dict = setting(factory=dict)


@dataclass(frozen=True)
class Google:
    credentials_file: str = ""
    token_file: str = ""
    api_endpoint: str = ""
    token_uri: str = ""
    subject: str = ""
    scopes: tuple[str, ...] = ("https://www.googleapis.com/auth/calendar",)
    page_size: int = setting(2500, min=1, max=2500)
    num_retries: int = setting(5, min=0)
    timeout_seconds: float = setting(60, min=1)


@dataclass(frozen=True)
class Sync:
    interval_minutes: int = setting(5, min=1)
    batch_size: int = setting(1000, min=1)
    lock_ttl_seconds: int = setting(900, min=1)
    push_max_attempts: int = setting(8, min=1)
    push_backoff_seconds: float = setting(30, min=0)
    http_timeout_seconds: float = setting(30, min=1)
    http_num_retries: int = setting(3, min=0)
    retry_after_max_seconds: float = setting(120, min=0)
    multiget_batch: int = setting(200, min=1, max=5000)
    feed_max_bytes: int = setting(20 * 1024 * 1024, min=1024)
    prepared_bulk_writes: bool = True


@dataclass(frozen=True)
class Backups:
    dir: str = "backups"
    enabled: bool = True
    schedule: str = setting("0 2 * * *", check=_cron)
    keep_daily: int = setting(7, min=0)
    keep_weekly: int = setting(4, min=0)
    keep_monthly: int = setting(12, min=0)
    compression_level: int = setting(0, min=0, max=9)
    verify_after_backup: bool = True
    include_uploads: bool = True
    include_plugins: bool = True


@dataclass(frozen=True)
class Outbox:
    retry_schedule_seconds: tuple[float, ...] = setting((0, 5, 300, 1800, 7200, 18000, 36000, 36000), min=0)
    jitter_ratio: float = setting(0.1, min=0, max=1)
    max_retry_after_seconds: float = setting(86400, min=0)
    lease_seconds: float = setting(120, min=1)
    batch_size: int = setting(50, min=1)
    sweep_max_seconds: float = setting(50, min=1)
    dispatch_on_commit: bool = True
    delivered_retention_days: float = setting(7, min=0)
    max_response_bytes: int = setting(256, min=0, max=256)


@dataclass(frozen=True)
class Webhooks:
    default_timeout_seconds: int = setting(10, min=1)
    max_timeout_seconds: int = setting(60, min=1)
    callback_tolerance_seconds: int = setting(300, min=1)
    user_agent: str = "Chronos-Webhooks/1"
    blocked_networks: tuple[str, ...] = setting(
        ("169.254.0.0/16", "fe80::/10", "100.100.100.200/32", "fd00:ec2::254/128"), check=_network)
    allow_private_hosts: bool = True

    @property
    def blocked(self) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
        return _networks(self.blocked_networks)


@dataclass(frozen=True)
class Integrations:
    outbox: Outbox = setting(factory=Outbox)
    webhooks: Webhooks = setting(factory=Webhooks)


@dataclass(frozen=True)
class Telegram:
    bot_token: str = ""
    webhook_secret: str = ""
    allowed_chats: tuple[int, ...] = ()
    api_base: str = "https://api.telegram.org"
    timeout_seconds: float = setting(10, min=0.1)
    calendar_id: str = ""
    time_zone: str = setting("", check=_zone)
    default_event_minutes: int = setting(60, min=1)
    notify_chats: tuple[int, ...] | None = None
    notify_event_types: tuple[str, ...] = ("command.completed", "command.failed")
    templates: dict = setting(factory=dict)

    @property
    def chats_to_notify(self) -> tuple[int, ...]:
        return self.allowed_chats if self.notify_chats is None else self.notify_chats


@dataclass(frozen=True)
class Scheduling:
    working_hours: dict = setting(factory=lambda: {day: ["09:00", "17:00"] for day in ("mon", "tue", "wed", "thu", "fri")},
                                  check=_working_hours)
    slot_minutes: int = setting(15, min=1)
    buffer_minutes: int = setting(0, min=0)
    search_days: int = setting(14, min=1)
    suggestion_count: int = setting(5, min=1)
    max_window_days: int = setting(62, min=1)
    max_analytics_days: int = setting(366, min=1)
    meeting_types: tuple[str, ...] = ("meeting",)
    max_meeting_hours_per_day: float = setting(6, min=0)
    min_break_minutes: int = setting(10, min=0)
    focus_block_minutes: int = setting(90, min=1)
    checklist_autocomplete_minutes: int = setting(5, min=1)
    checklist_lookback_days: int = setting(30, min=1)
    prewritten_availability_json: bool = True


@dataclass(frozen=True)
class Commands:
    lease_seconds: int = setting(300, min=1)
    default_max_retries: int = setting(3, min=0)
    retry_backoff_seconds: int = setting(30, min=0)
    retry_backoff_max_seconds: int = setting(3600, min=0)
    single_statement_queries: bool = True


@dataclass(frozen=True)
class Actions:
    catch_up_minutes: int = setting(60, min=0)
    horizon_days: int = setting(35, min=1, max=3660)
    max_sleep_seconds: float = setting(2, min=0.1, max=60)


@dataclass(frozen=True)
class Workflows:
    max_depth: int = setting(5, min=1)


@dataclass(frozen=True)
class Smtp:
    host: str = "localhost"
    port: int = setting(25, min=1, max=65535)
    user: str = ""
    password: str = ""
    tls: bool = False
    ssl: bool = False
    timeout: float = setting(10, min=0.1)


DEFAULT_ATTACHMENT_TYPES = (
    "application/pdf", "application/zip", "application/json", "application/msword",
    "application/vnd.openxmlformats-officedocument.*", "application/vnd.oasis.opendocument.*",
    "application/vnd.ms-excel", "application/octet-stream", "image/*", "text/*",
)
DEFAULT_BLOCKED_EXTENSIONS = (
    ".exe", ".bat", ".cmd", ".com", ".scr", ".msi", ".js", ".vbs", ".ps1", ".jar", ".dll", ".hta",
)


@dataclass(frozen=True)
class Email:
    sender: str = setting("chronos@localhost", key="from")
    from_name: str = "Chronos"
    backend: str = "smtp"
    anymail: dict = setting(factory=dict)
    smtp: Smtp = setting(factory=Smtp)
    local_hostname: str = ""
    message_id_domain: str = ""
    keep_alive_seconds: float = setting(30, min=0)
    command_system: str = "SMTP"
    max_recipients: int = setting(50, min=1)
    max_attachments: int = setting(10, min=0)
    max_attachment_bytes: int = setting(10 * 1024 * 1024, min=1)
    max_total_attachment_bytes: int = setting(20 * 1024 * 1024, min=1)
    allowed_attachment_types: tuple[str, ...] = DEFAULT_ATTACHMENT_TYPES
    blocked_attachment_extensions: tuple[str, ...] = DEFAULT_BLOCKED_EXTENSIONS


@dataclass(frozen=True)
class Config:
    """Everything config/chronos.yaml and the environment say, checked and typed."""

    server: Server = setting(factory=Server)
    security: Security = setting(factory=Security)
    database: Database = setting(factory=Database)
    redis_url: str = ""
    api: Api = setting(factory=Api)
    worker: Worker = setting(factory=Worker)
    events: Events = setting(factory=Events)
    admin: Admin = setting(factory=Admin)
    audit: Audit = setting(factory=Audit)
    plugins: Plugins = setting(factory=Plugins)
    google: Google = setting(factory=Google)
    sync: Sync = setting(factory=Sync)
    backups: Backups = setting(factory=Backups)
    integrations: Integrations = setting(factory=Integrations)
    telegram: Telegram = setting(factory=Telegram)
    scheduling: Scheduling = setting(factory=Scheduling)
    commands: Commands = setting(factory=Commands)
    actions: Actions = setting(factory=Actions)
    workflows: Workflows = setting(factory=Workflows)
    email: Email = setting(factory=Email)
    path: str = setting("", key="_path")


@functools.lru_cache(maxsize=16)
def _networks(values: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(v, strict=False) for v in values)


# --- Checking -------------------------------------------------------------------------------

_EXPECTED = {int: "an integer", float: "a number", bool: "true or false", str: "a text", dict: "a mapping"}


def _convert(value: Any, kind: Any, name: str, meta: dict, errors: list[str]) -> Any:
    """``value`` as ``kind``; on a problem, one line naming the key is added to ``errors``."""
    origin = typing.get_origin(kind)
    if origin is types.UnionType or origin is typing.Union:  # X | None
        if value is None:
            return None
        kind = next(arg for arg in typing.get_args(kind) if arg is not type(None))
        origin = typing.get_origin(kind)
    if origin is tuple:
        item_kind = typing.get_args(kind)[0]
        if isinstance(value, (str, int, float)) and not isinstance(value, bool):
            value = [part.strip() for part in str(value).split(",") if part.strip()]
        if not isinstance(value, (list, tuple)):
            errors.append(f"{name}: expected a list, got {value!r}")
            return _FAILED
        items = [_convert(item, item_kind, f"{name}[{i}]", meta, errors) for i, item in enumerate(value)]
        return _FAILED if _FAILED in items else tuple(items)
    if dataclasses.is_dataclass(kind):
        return _section(kind, value, name, errors)
    if kind is dict:
        if not isinstance(value, dict):
            errors.append(f"{name}: expected a mapping, got {value!r}")
            return _FAILED
        converted = value
    elif kind is bool:
        if not isinstance(value, bool):
            errors.append(f"{name}: expected true or false, got {value!r}")
            return _FAILED
        converted = value
    elif kind in (int, float):
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            errors.append(f"{name}: expected {_EXPECTED[kind]}, got {value!r}")
            return _FAILED
        try:
            converted = kind(value)
            if kind is int and isinstance(value, float) and value != converted:
                raise ValueError
        except ValueError:
            errors.append(f"{name}: expected {_EXPECTED[kind]}, got {value!r}")
            return _FAILED
        low, high = meta.get("min"), meta.get("max")
        if low is not None and converted < low or high is not None and converted > high:
            bounds = f"at least {low}" if high is None else f"at most {high}" if low is None else f"{low}..{high}"
            errors.append(f"{name}: expected {bounds}, got {converted!r}")
            return _FAILED
    else:  # str
        if isinstance(value, (dict, list, tuple)):
            errors.append(f"{name}: expected a text, got {value!r}")
            return _FAILED
        converted = str(value)
    if meta.get("choices") and converted not in meta["choices"]:
        errors.append(f"{name}: expected one of {', '.join(map(str, meta['choices']))}, got {converted!r}")
        return _FAILED
    if meta.get("check") and (problem := meta["check"](converted)):
        errors.append(f"{name}: {problem}")
        return _FAILED
    return converted


_FAILED = object()


def _section(cls: type, raw: Any, prefix: str, errors: list[str]) -> Any:
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        errors.append(f"{prefix}: expected a mapping of keys, got {raw!r}")
        return cls()
    hints = typing.get_type_hints(cls)
    values: dict[str, Any] = {}
    known = set()
    for f in fields(cls):
        key = f.metadata.get("key") or f.name
        known.add(key)
        if raw.get(key) is None:
            continue  # missing or empty: the declared default
        name = f"{prefix}.{key}" if prefix else key
        value = _convert(raw[key], hints[f.name], name, dict(f.metadata), errors)
        if value is not _FAILED:
            values[f.name] = value
    for key in raw:
        if key not in known:
            where = f"{prefix}.{key}" if prefix else key
            errors.append(f"{where}: unknown key (see config/chronos.yaml for the keys there are)")
    return cls(**values)


def build(raw: dict) -> tuple[Config, list[str]]:
    """Check a loaded configuration: ``(typed config, one line per problem)``.

    A wrong value is reported and its default used, so every problem shows at once."""
    errors: list[str] = []
    config = _section(Config, raw, "", errors)
    if config.worker.task_retry_seconds <= config.worker.task_timeout_seconds:
        errors.append("worker.task_retry_seconds: must be larger than worker.task_timeout_seconds "
                      "(otherwise a slow task runs twice)")
    if config.email.smtp.tls and config.email.smtp.ssl:
        errors.append("email.smtp: tls and ssl cannot both be true (ssl is implicit TLS on port 465)")
    if config.api.default_page_size > config.api.max_page_size:
        errors.append("api.default_page_size: must not exceed api.max_page_size")
    # E-mail attachments travel base64-encoded in a JSON body: 4/3 of their size, plus the rest.
    needed = -(-config.email.max_total_attachment_bytes * 4 // 3) + 64 * 1024
    if config.api.max_body_bytes < needed:
        errors.append(f"api.max_body_bytes: must be at least {needed} to carry "
                      f"email.max_total_attachment_bytes of attachments (base64); lower that one too")
    return config, errors


_current: tuple[dict, Config] | None = None


def current() -> Config:
    """The typed configuration of the running settings (``settings.CHRONOS``).

    Built once and again whenever ``settings.CHRONOS`` is replaced (tests do that). A value with a
    problem reads as its default here; the ``chronos.E001`` system check has already stopped
    ``check``, ``start`` and ``worker`` with the problem named, so a started instance has none."""
    global _current
    from django.conf import settings

    raw = settings.CHRONOS
    if _current is None or _current[0] is not raw:
        _current = (raw, build(raw)[0])
    return _current[1]
