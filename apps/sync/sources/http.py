"""Retries with backoff for the HTTP-based sources that have no retrying client of their own.

429 and 5xx answers and connection errors are tried again up to ``sync.http_num_retries``
times with exponential backoff (1, 2, 4 … s); a ``Retry-After`` header (seconds or an HTTP
date) replaces the computed delay. A Retry-After longer than ``sync.retry_after_max_seconds``
is not waited for: the request fails and the next scheduled run tries again. ``default_sleep``
is a module function so tests can record the delays instead of waiting.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar
from urllib.parse import urlsplit

from apps.sync.sources.base import SourceError
from chronos.config import current

T = TypeVar("T")


def default_sleep(seconds: float) -> None:
    time.sleep(seconds)


class Retryable(SourceError):
    """A failure worth trying again (429, 5xx, connection), with the server's Retry-After if any."""

    def __init__(self, message: str, *, status: int | None = None, retry_after: float | None = None) -> None:
        super().__init__(message, status=status)
        self.retry_after = retry_after


def with_retries(call: Callable[[], T], *, sleep: Callable[[float], None] | None = None,
                 num_retries: int | None = None) -> T:
    cfg = current().sync
    tries = cfg.http_num_retries if num_retries is None else num_retries
    pause = sleep or default_sleep
    attempt = 0
    while True:
        try:
            return call()
        except Retryable as exc:
            if attempt >= tries:
                raise SourceError(str(exc), status=exc.status) from None
            delay = exc.retry_after if exc.retry_after is not None else float(2 ** attempt)
            if delay > cfg.retry_after_max_seconds:
                raise SourceError(f"{exc} (server asks to wait {int(delay)} s; the next run tries again)",
                                  status=exc.status) from None
            attempt += 1
            pause(delay)


def guard_url(url: str) -> None:
    """The SSRF guard of webhooks, applied to calendar and feed URLs (same settings)."""
    from apps.integrations import netguard

    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SourceError(f"not an http(s) URL: {url[:200]}")
    try:
        netguard.check(parts.hostname, parts.port)
    except netguard.Refused as exc:
        raise SourceError(f"address refused: {exc}") from None
    except netguard.Unresolvable as exc:
        raise SourceError(f"server name does not resolve: {exc}") from None
