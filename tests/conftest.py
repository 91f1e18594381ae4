"""Shared fixtures. Tests run against a real SQLite file (WAL) or PostgreSQL (DATABASE_URL)."""

from __future__ import annotations

import os

import pytest

from tests.helpers import ApiClientFactory

# The browser tests need chromium and a running server: `make test-browser` runs them.
collect_ignore = [] if os.environ.get("CHRONOS_BROWSER_TESTS") == "1" else ["browser"]


def _db_kind(request) -> str | None:
    names = request.fixturenames
    marker = request.node.get_closest_marker("django_db")
    if "transactional_db" in names or "live_server" in names or (marker and marker.kwargs.get("transaction")):
        return "transactional_db"
    if "db" in names or marker is not None:
        return "db"
    return None


@pytest.fixture(autouse=True)
def _audit_guards(request):
    """The append-only triggers are in place in every DB test.

    A transactional test's flush must empty the audit table, so the guards are dropped just
    before it and re-created at the start of the next test (inside its transaction for ``db``).
    """
    kind = _db_kind(request)
    if kind is None:
        yield
        return
    from django.db import connection

    from apps.audit import guards

    request.getfixturevalue(kind)
    guards.ensure(connection)
    yield
    if kind == "transactional_db":
        guards.drop(connection)


@pytest.fixture
def api(db) -> ApiClientFactory:
    """``api(scopes=[...])`` returns a DRF test client authenticated with a fresh key."""
    return ApiClientFactory()


@pytest.fixture
def admin_api(api):
    return api(scopes=["admin"])


@pytest.fixture
def rebinding_dns(monkeypatch):
    """``rebind.test`` answers 127.0.0.1 the first time it is asked and 127.0.0.2 ever after
    (DNS rebinding between an address check and the connection)."""
    import socket

    real = socket.getaddrinfo
    asked: list[str] = []

    def fake(host, port, *args, **kwargs):
        if host == "rebind.test":
            asked.append(host)
            address = "127.0.0.1" if len(asked) == 1 else "127.0.0.2"
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port or 0))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", fake)
    return asked


@pytest.fixture(autouse=True)
def _q_sync(monkeypatch):
    """django-q2 reads Conf at import: run tasks inline in tests by patching Conf, not settings."""
    from django_q.conf import Conf

    monkeypatch.setattr(Conf, "SYNC", True)
    yield


def _checkout_files() -> set[str]:
    from django.conf import settings

    root = settings.BASE_DIR
    return {str(p.relative_to(root)) for folder in ("plugins", "config") for p in (root / folder).rglob("*")}


@pytest.fixture(autouse=True, scope="session")
def _the_checkout_stays_as_it_was():
    """Tests write into their own temporary folders, never into the checkout."""
    before = _checkout_files()
    yield
    added = sorted(_checkout_files() - before)
    assert not added, f"tests left files in the checkout: {added}"
