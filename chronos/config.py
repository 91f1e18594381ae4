"""Configuration loading: ``config/chronos.yaml`` overridden by environment variables.

Loading never raises. Problems are collected in ``CONFIG_ERRORS`` and reported by the
``chronos.E001`` system check, so a wrong value stops the start with one clear line
instead of a traceback from deep inside settings.
"""

from __future__ import annotations

import copy
import os
from pathlib import Path
from typing import Any

import yaml

BASE_DIR = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG_PATH = BASE_DIR / "config" / "chronos.yaml"

# Environment variable -> (dotted key, type). Names are part of the public contract.
ENV_OVERRIDES: dict[str, tuple[str, type]] = {
    "CHRONOS_HOST": ("server.host", str),
    "CHRONOS_PORT": ("server.port", int),
    "CHRONOS_DATA_DIR": ("server.data_dir", str),
    "CHRONOS_DEBUG": ("server.debug", bool),
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


def _set_dotted(data: dict, dotted: str, value: Any) -> None:
    node = data
    *parents, leaf = dotted.split(".")
    for part in parents:
        child = node.get(part)
        if not isinstance(child, dict):
            child = {}
            node[part] = child
        node = child
    node[leaf] = value


def get(config: dict, dotted: str, default: Any = None) -> Any:
    """Read ``a.b.c`` from a nested dict, ``default`` when any level is missing."""
    node: Any = config
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            return default
        node = node[part]
    return default if node is None else node


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
            _set_dotted(data, dotted, _coerce(raw, kind, name))
        except ConfigError as exc:
            errors.append(str(exc))
    data["_path"] = str(config_path)
    return data, errors
