"""``GET /health``: database, search, worker, outbox and sync, without secrets or paths.

Apps add their part with :func:`register` in ``AppConfig.ready``. Only checks registered
as ``critical`` (database, worker) turn the answer into 503 ``degraded``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from apps.core import footprint, heartbeat

logger = logging.getLogger(__name__)

Check = Callable[[], dict]
_checks: dict[str, tuple[Check, bool]] = {}


def register(name: str, check: Check, *, critical: bool = False) -> None:
    """``check()`` returns a dict with at least ``status`` (``ok``, ``down``, ``unknown`` …)."""
    _checks[name] = (check, critical)


def check_database() -> dict:
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {"status": "ok", "vendor": connection.vendor, "latency_ms": round((time.perf_counter() - started) * 1000, 2)}


def check_worker() -> dict:
    return heartbeat.status()


register("database", check_database, critical=True)
register("worker", check_worker, critical=True)
register("memory", footprint.installation)


def run_checks() -> tuple[str, dict]:
    """``(overall, results)``: overall is ``healthy``, ``starting`` (a critical part has not come
    up yet, e.g. the worker's first heartbeat, which is no error) or ``degraded``."""
    overall = "healthy"
    results: dict[str, dict] = {}
    for name, (check, critical) in _checks.items():
        try:
            result = check()
        except Exception as exc:  # noqa: BLE001 - a failing check is reported, not raised
            logger.warning("health check %s failed: %s", name, exc)
            result = {"status": "down", "detail": type(exc).__name__}
        results[name] = result
        if critical and result.get("status") == "starting" and overall == "healthy":
            overall = "starting"
        elif critical and result.get("status") not in ("ok", "starting"):
            overall = "degraded"
    return overall, results


@never_cache
@require_GET
def health(request):
    overall, checks = run_checks()
    body = {"status": overall, "version": settings.VERSION, "checks": checks}
    return JsonResponse(body, status=503 if overall == "degraded" else 200)
