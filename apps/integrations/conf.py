"""Typed access to the ``integrations:`` and ``telegram:`` sections of ``config/chronos.yaml``.

Read on every call (cheap dict lookups), so tests can change ``settings.CHRONOS``.
"""

from __future__ import annotations

import functools
import ipaddress
from typing import Any

from django.conf import settings

DEFAULT_RETRY_SCHEDULE = [0, 5, 300, 1800, 7200, 18000, 36000, 36000]


def _section(*path: str) -> dict[str, Any]:
    node: Any = settings.CHRONOS
    for part in path:
        node = (node or {}).get(part) if isinstance(node, dict) else None
    return node if isinstance(node, dict) else {}


def outbox() -> dict[str, Any]:
    cfg = _section("integrations", "outbox")
    return {
        "retry_schedule": [float(x) for x in cfg.get("retry_schedule_seconds") or DEFAULT_RETRY_SCHEDULE],
        "jitter": float(cfg.get("jitter_ratio", 0.1)),
        "max_retry_after": float(cfg.get("max_retry_after_seconds", 86400)),
        "lease_seconds": float(cfg.get("lease_seconds", 120)),
        "batch_size": int(cfg.get("batch_size", 50)),
        "sweep_seconds": float(cfg.get("sweep_max_seconds", 50)),
        "dispatch_on_commit": bool(cfg.get("dispatch_on_commit", True)),
        "delivered_retention_days": float(cfg.get("delivered_retention_days", 7)),
        "max_response_chars": int(cfg.get("max_response_chars", 2000)),
    }


DEFAULT_BLOCKED_NETWORKS = ["169.254.0.0/16", "fe80::/10", "100.100.100.200/32", "fd00:ec2::254/128"]


def _networks(values: Any) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    if values is None:
        values = DEFAULT_BLOCKED_NETWORKS
    if isinstance(values, str):
        values = [v for v in values.split(",") if v.strip()]
    return list(_parse_networks(tuple(str(v).strip() for v in values)))


@functools.lru_cache(maxsize=8)
def _parse_networks(values: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    # Checked before every webhook delivery: parse each configured list once.
    return tuple(ipaddress.ip_network(v, strict=False) for v in values)


def webhooks() -> dict[str, Any]:
    cfg = _section("integrations", "webhooks")
    allow_private = cfg.get("allow_private_hosts", True)
    if isinstance(allow_private, str):
        allow_private = allow_private.strip().lower() not in ("false", "no", "off", "0", "")
    return {
        "blocked_networks": _networks(cfg.get("blocked_networks")),
        "allow_private_hosts": bool(allow_private),
        "default_timeout": int(cfg.get("default_timeout_seconds", 10)),
        "max_timeout": int(cfg.get("max_timeout_seconds", 60)),
        "callback_tolerance": int(cfg.get("callback_tolerance_seconds", 300)),
        "user_agent": str(cfg.get("user_agent", "Chronos-Webhooks/1")),
    }


def telegram() -> dict[str, Any]:
    cfg = _section("telegram")
    chats = cfg.get("allowed_chats") or []
    if isinstance(chats, (str, int)):
        chats = [c for c in str(chats).split(",") if c.strip()]
    notify = cfg.get("notify_chats")
    if notify is None:
        notify = chats
    elif isinstance(notify, (str, int)):
        notify = [c for c in str(notify).split(",") if c.strip()]
    return {
        "bot_token": str(cfg.get("bot_token") or ""),
        "webhook_secret": str(cfg.get("webhook_secret") or ""),
        "allowed_chats": {int(str(c).strip()) for c in chats},
        "notify_chats": [int(str(c).strip()) for c in notify],
        "notify_event_types": list(cfg.get("notify_event_types") or ["command.completed", "command.failed"]),
        "api_base": str(cfg.get("api_base") or "https://api.telegram.org").rstrip("/"),
        "timeout": float(cfg.get("timeout_seconds", 10)),
        "calendar_id": str(cfg.get("calendar_id") or ""),
        "time_zone": str(cfg.get("time_zone") or settings.TIME_ZONE),
        "default_event_minutes": int(cfg.get("default_event_minutes", 60)),
        "templates": dict(cfg.get("templates") or {}),
    }
