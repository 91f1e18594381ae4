"""A sync error as the public ``/api/v1/sync/health`` may show it.

The stored text (admin, logs) keeps everything; the unauthenticated health endpoint gets the
error's kind and a short reason with hosts, URLs, addresses, file paths and SQL taken out.
"""

from __future__ import annotations

import re

MAX_PUBLIC = 160
_SQL = re.compile(r"\b(SELECT|INSERT|UPDATE|DELETE|FROM|WHERE|VALUES|CREATE|ALTER|DROP)\b.*", re.IGNORECASE | re.DOTALL)
_URL = re.compile(r"\b[a-z][a-z0-9+.-]*://\S+", re.IGNORECASE)
_IPV6 = re.compile(r"\[?\b(?:[0-9a-f]{0,4}:){2,7}[0-9a-f]{0,4}\]?(?::\d+)?", re.IGNORECASE)
_IPV4 = re.compile(r"\b\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?\b")
_PATH = re.compile(r"(?:(?<=\s)|(?<=^)|(?<=['\"(=]))(?:[A-Za-z]:)?[\\/][^\s'\"),]+")
_HOST = re.compile(r"\b(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}(?::\d+)?\b", re.IGNORECASE)
_EMAIL = re.compile(r"\b\S+@\S+\b")


def public_error(text: str | None) -> str | None:
    """``"ConnectionError: connection refused by <host>"`` from whatever was stored."""
    if not text:
        return None
    first = text.strip().splitlines()[0] if text.strip() else ""
    cleaned = _SQL.sub("<sql>", first)
    cleaned = _URL.sub("<url>", cleaned)
    cleaned = _EMAIL.sub("<address>", cleaned)
    cleaned = _IPV4.sub("<host>", cleaned)
    cleaned = _IPV6.sub(lambda m: "<host>" if m.group(0).count(":") >= 2 else m.group(0), cleaned)
    cleaned = _PATH.sub("<path>", cleaned)
    cleaned = _HOST.sub("<host>", cleaned)
    cleaned = re.sub(r"\s+", " ", cleaned).strip()
    if len(cleaned) > MAX_PUBLIC:
        cleaned = cleaned[: MAX_PUBLIC - 1].rstrip() + "…"
    return cleaned or "sync failed"
