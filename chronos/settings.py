"""Django settings for Chronos, built from ``config/chronos.yaml`` plus environment overrides.

Nothing here raises on bad configuration: problems land in ``CHRONOS_CONFIG_ERRORS`` and the
``chronos.E001`` system check turns them into one clear line each at start. Values come from the
typed configuration (``chronos.config``), where each key is declared once with its default.
"""

from __future__ import annotations

import os
import secrets
import sys
from datetime import timedelta
from pathlib import Path

import dj_database_url

from chronos import __version__
from chronos import config as _config

BASE_DIR = _config.BASE_DIR
CHRONOS, CHRONOS_CONFIG_ERRORS = _config.load()
CONFIG, _problems = _config.build(CHRONOS)
CHRONOS_CONFIG_ERRORS.extend(_problems)
VERSION = __version__

TESTING = "pytest" in sys.modules or os.environ.get("CHRONOS_TESTING") == "1"


def _path(value: str) -> Path:
    p = Path(value).expanduser()
    return p if p.is_absolute() else BASE_DIR / p


DATA_DIR = _path(CONFIG.server.data_dir)
if TESTING and "CHRONOS_DATA_DIR" not in os.environ:
    # Each test process gets its own data dir (secret key, SQLite test files, backups), so
    # parallel runs never share files and the real data/ is never touched by tests.
    import tempfile

    DATA_DIR = Path(tempfile.mkdtemp(prefix="chronos-test-"))
try:
    DATA_DIR.mkdir(parents=True, exist_ok=True)
except OSError as exc:
    CHRONOS_CONFIG_ERRORS.append(f"server.data_dir: cannot create {DATA_DIR}: {exc.strerror}")


def _secret_key() -> str:
    """SECRET_KEY from the environment, else a random key generated once into the data dir."""
    from_env = os.environ.get("SECRET_KEY", "").strip()
    if from_env:
        if len(from_env) < 32:
            CHRONOS_CONFIG_ERRORS.append("SECRET_KEY is shorter than 32 characters")
        return from_env
    key_file = DATA_DIR / "secret_key"
    try:
        if key_file.exists():
            stored = key_file.read_text(encoding="utf-8").strip()
            if stored:
                return stored
        generated = secrets.token_urlsafe(50)
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(generated)
        return generated
    except FileExistsError:
        return key_file.read_text(encoding="utf-8").strip()
    except OSError as exc:
        CHRONOS_CONFIG_ERRORS.append(f"cannot read or create {key_file}: {exc.strerror}")
        # Unusable on purpose: a per-process random key fails loudly rather than silently.
        return secrets.token_urlsafe(50)


SECRET_KEY = _secret_key()
DEBUG = CONFIG.server.debug
HOST = CONFIG.server.host
PORT = CONFIG.server.port

ALLOWED_HOSTS = list(CONFIG.server.allowed_hosts)
if HOST not in ("0.0.0.0", "::", "") and HOST not in ALLOWED_HOSTS:
    # The address `start` prints answers without further configuration.
    ALLOWED_HOSTS.append(f"[{HOST}]" if ":" in HOST else HOST)
CSRF_TRUSTED_ORIGINS = list(CONFIG.server.csrf_trusted_origins)

INSTALLED_APPS = [
    "apps.dashboard.siteconfig.ChronosAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_q",
    "apps.core.lockouts.LoginLockoutsConfig",  # django-axes
    "apps.core",
    "apps.audit",
    "apps.ingest",
    "apps.events",
    "apps.templates",
    "apps.whitelists",
    "apps.commands",
    "apps.workflows",
    "apps.sync",
    "apps.integrations",
    "apps.backups",
    "apps.dashboard",
]

MIDDLEWARE = [
    "apps.core.middleware.RequestIdMiddleware",
    # 413 for a body over api.max_body_bytes before anything reads it.
    "apps.core.bodylimit.BodyLimitMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "apps.core.security.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "apps.audit.middleware.AuditContextMiddleware",
    "apps.integrations.middleware.ForgetFailedCallbackIdsMiddleware",
    # Last, as django-axes asks: turns a locked-out login into its 429 page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "chronos.urls"
WSGI_APPLICATION = "chronos.wsgi.application"
APPEND_SLASH = False

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------------
SQLITE_PATH = DATA_DIR / "chronos.db"
_db_url = CONFIG.database.url or f"sqlite:///{SQLITE_PATH}"
try:
    _db = dj_database_url.parse(_db_url)
except Exception as exc:  # noqa: BLE001 - the library raises several types for bad URLs
    CHRONOS_CONFIG_ERRORS.append(f"DATABASE_URL / database.url is not a usable URL: {exc}")
    _db = dj_database_url.parse(f"sqlite:///{SQLITE_PATH}")

if _db["ENGINE"] == "django.db.backends.sqlite3":
    if _db["NAME"] != ":memory:":
        _db["NAME"] = str(_path(_db["NAME"]))
    _busy = CONFIG.database.sqlite_busy_timeout_ms
    # Web processes checkpoint the WAL in the background (apps.core.walcheckpoint); commits
    # then checkpoint only past this many pages, when no web process is running.
    SQLITE_CHECKPOINT_SECONDS = CONFIG.database.sqlite_checkpoint_seconds
    _autocheckpoint = CONFIG.database.sqlite_wal_autocheckpoint_pages
    if SQLITE_CHECKPOINT_SECONDS <= 0:
        _autocheckpoint = 1000  # SQLite's own default: commits do all the checkpointing
    _db["OPTIONS"] = {
        # IMMEDIATE takes the write lock at BEGIN: read-then-write transactions never fail
        # with "database is locked" under concurrency, whatever the busy timeout.
        "transaction_mode": "IMMEDIATE",
        "timeout": max(_busy / 1000, 1),
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
            f"PRAGMA busy_timeout={_busy}; PRAGMA foreign_keys=ON; PRAGMA wal_autocheckpoint={_autocheckpoint};"
        ),
    }
    # Keep connections open between requests: opening one re-runs the PRAGMAs above.
    _db["CONN_MAX_AGE"] = None if not TESTING else 0
    if TESTING:
        # A real file (not :memory:) so WAL and multi-connection tests behave as in production.
        _db["TEST"] = {"NAME": str(DATA_DIR / "test.db")}
elif _db["ENGINE"] == "django.db.backends.postgresql":
    # A connection per request costs a TCP and authentication round trip; a health check per
    # request a SELECT 1. Keep connections; a broken one fails one request and is replaced.
    _db["CONN_MAX_AGE"] = CONFIG.database.postgres_conn_max_age_seconds
    _db["CONN_HEALTH_CHECKS"] = CONFIG.database.postgres_health_checks
    if TESTING and os.environ.get("CHRONOS_TEST_DB_SUFFIX"):
        # Lets several test runs share one PostgreSQL server without dropping each other's database.
        _db["TEST"] = {"NAME": f"test_{_db['NAME']}_{os.environ['CHRONOS_TEST_DB_SUFFIX']}"}
else:
    CHRONOS_CONFIG_ERRORS.append(f"DATABASE_URL: unsupported database {_db['ENGINE']!r} (use sqlite or postgres)")
    # Keep a loadable backend so the system check can report the problem instead of a traceback.
    _db = {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}

DATABASES = {"default": _db}
DATABASE_VENDOR = "sqlite" if "sqlite" in _db["ENGINE"] else "postgresql"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache & tasks ------------------------------------------------------------------------
REDIS_URL = CONFIG.redis_url
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

Q_CLUSTER = {
    "name": "chronos",
    "workers": CONFIG.worker.processes,
    "timeout": CONFIG.worker.task_timeout_seconds,
    # retry must exceed timeout (plus queue wait) or a slow task runs twice (checked in build()).
    "retry": CONFIG.worker.task_retry_seconds,
    "max_attempts": 3,
    "catch_up": False,
    "save_limit": 1000,
    "ack_failures": True,
    "label": "Tasks",
    "poll": 0.5,
}
if REDIS_URL:
    Q_CLUSTER["redis"] = REDIS_URL
else:
    Q_CLUSTER["orm"] = "default"

# --- Auth, i18n, static -------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    # Counts failed logins and refuses a locked-out user name or address before the password
    # is even checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = CONFIG.security.login_failure_limit
AXES_COOLOFF_TIME = timedelta(minutes=CONFIG.security.lockout_minutes)
# Per user name and, separately, per client address.
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
# A lockout ends lockout_minutes after it began: further tries do not prolong it, so nobody
# can keep the admin locked out by guessing on.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_CLIENT_IP_CALLABLE = "apps.core.security.client_address"
AXES_LOCKOUT_TEMPLATE = "admin/locked_out.html"
AXES_VERBOSE = False

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
]
LANGUAGE_CODE = "en-us"
TIME_ZONE = CONFIG.server.time_zone
USE_I18N = True
USE_TZ = True
# Dates and times in the admin name their zone ("Sun 06 Dec 2026 22:41 UTC"), see chronos/formats.
FORMAT_MODULE_PATH = ["chronos.formats"]

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = _path(CONFIG.server.static_root) if CONFIG.server.static_root else DATA_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Served by WhiteNoise from the web process: no separate static server to run.
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
MEDIA_ROOT = DATA_DIR / "uploads"
LOGIN_URL = "/admin/login/"
# The body limit is api.max_body_bytes, answered with 413 by apps.core.bodylimit before any
# read; Django's own check (a 400, 2.5 MB) would only refuse bodies that limit lets through.
DATA_UPLOAD_MAX_MEMORY_SIZE = None
# Messages that overflow the cookie go to the session sealed: some show a new API key once.
MESSAGE_STORAGE = "apps.core.messages.SealedFallbackStorage"

# --- API ----------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "apps.core.auth.ApiKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["apps.core.permissions.HasScope"],
    "DEFAULT_PAGINATION_CLASS": "apps.core.pagination.PagePagination",
    "DEFAULT_SCHEMA_CLASS": "apps.core.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "EXCEPTION_HANDLER": "apps.core.exceptions.api_exception_handler",
    "DEFAULT_PARSER_CLASSES": ["apps.core.jsonparse.JSONParser"],
    "DEFAULT_RENDERER_CLASSES": [
        "apps.core.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "UNAUTHENTICATED_USER": None,
    "DATETIME_FORMAT": "iso-8601",
    "COERCE_DECIMAL_TO_STRING": False,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Chronos API",
    "DESCRIPTION": "Calendar orchestration hub: events, commands, templates, integrations.",
    "VERSION": VERSION,
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # API keys are what clients send; the admin's session cookie only serves the browsable API.
    "AUTHENTICATION_WHITELIST": ["apps.core.auth.ApiKeyAuthentication"],
    # Each app describes its views in its own ``openapi`` module, loaded when a schema is built.
    "PREPROCESSING_HOOKS": ["apps.core.openapi.discover_app_schemas"],
    # One name per choice set that appears under several field names or apps.
    "ENUM_NAME_OVERRIDES": {
        "ModeEnum": "apps.events.models.Mode",
        "EventPriorityEnum": "apps.events.models.Event.Priority",
        "EventStatusEnum": "apps.events.models.Event.Status",
        "EmailPriorityEnum": ["high", "normal", "low"],
        "EntrySourceEnum": "apps.events.models.EntrySource",
        "CalendarSourceEnum": "apps.events.models.Calendar.Source",
        "OutboxStatusEnum": "apps.integrations.models.OutboxMessage.Status",
        "TemplateTypeEnum": "apps.templates.models.Template.Type",
    },
    # Swagger UI assets are served locally: /docs works without internet access.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# --- Logging ------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": CONFIG.server.log_level.upper()},
    "loggers": {"django_q": {"level": "WARNING"}},
}

if not DEBUG:
    SESSION_COOKIE_HTTPONLY = True
    SECURE_CONTENT_TYPE_NOSNIFF = True
    X_FRAME_OPTIONS = "DENY"

# --- Behind a TLS proxy -------------------------------------------------------------------
BEHIND_TLS_PROXY = CONFIG.server.behind_tls_proxy
if BEHIND_TLS_PROXY:
    # The proxy terminates TLS and must set (not pass on) X-Forwarded-Proto.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = CONFIG.security.hsts_seconds

# --- Content-Security-Policy --------------------------------------------------------------
# Admin, /docs and the browsable API load scripts only from this server (the Swagger UI start
# script included: /docs serves it from its own URL). Inline styles stay allowed: the admin and
# Swagger UI set a few, and they cannot run code.
_SELF, _NONE = "'self'", "'none'"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [_SELF],
        "script-src": [_SELF],
        "style-src": [_SELF, "'unsafe-inline'"],
        "img-src": [_SELF, "data:"],
        "font-src": [_SELF, "data:"],
        "connect-src": [_SELF],
        "object-src": [_NONE],
        "base-uri": [_SELF],
        "form-action": [_SELF],
        "frame-ancestors": [_NONE],
    },
}
