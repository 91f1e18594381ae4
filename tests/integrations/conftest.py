"""Fixtures for integration tests: local fake receivers and a webhook endpoint pointing at one."""

from __future__ import annotations

import pytest

from tests.fakes.webhook_receiver import WebhookReceiver


@pytest.fixture
def receiver():
    with WebhookReceiver() as server:
        yield server


@pytest.fixture
def make_endpoint(db):
    from apps.integrations.services import create_endpoint

    def make(url: str, **kwargs):
        endpoint, secret = create_endpoint(name=kwargs.pop("name", "receiver"), url=url, **kwargs)
        endpoint.plain_secret = secret
        return endpoint

    return make


@pytest.fixture
def endpoint(receiver, make_endpoint):
    return make_endpoint(receiver.url, event_types=["*"])


@pytest.fixture
def no_jitter(settings):
    """Exact retry times: the schedule without random spread."""
    chronos = dict(settings.CHRONOS)
    integrations = dict(chronos.get("integrations") or {})
    integrations["outbox"] = {**(integrations.get("outbox") or {}), "jitter_ratio": 0}
    chronos["integrations"] = integrations
    settings.CHRONOS = chronos
