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


def _with_section(settings, name: str, values: dict) -> None:
    chronos = dict(settings.CHRONOS)
    chronos[name] = {**(chronos.get(name) or {}), **values}
    settings.CHRONOS = chronos


@pytest.fixture
def telegram_bot(settings, db):
    """A fake Bot API, with Chronos configured to use it; chat 4242 is allowed."""
    from tests.fakes.telegram import FakeTelegram

    with FakeTelegram() as fake:
        _with_section(settings, "telegram", {
            "bot_token": fake.token, "webhook_secret": "s3cret-token", "allowed_chats": [4242],
            "api_base": fake.base_url, "notify_chats": [4242], "calendar_id": "telegram",
        })
        yield fake


@pytest.fixture
def whitelisted(db):
    """``ACTION: SEND_EMAIL N8N to=… subject=…`` is allowed."""
    from apps.whitelists.models import Whitelist

    return Whitelist.objects.create(system="N8N", action="SEND_EMAIL",
                                    allowed_params={"to": "email", "subject": "string"}, required_params=["to"])


@pytest.fixture
def deliver_due():
    """Run the sweep the worker runs every minute (synchronously)."""
    from apps.integrations import outbox

    def run() -> dict[str, int]:
        return outbox.sweep(max_seconds=5)

    return run
