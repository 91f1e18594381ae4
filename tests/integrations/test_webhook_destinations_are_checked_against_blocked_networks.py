from __future__ import annotations

import copy
import socket

import pytest
from django.core.exceptions import ValidationError

from apps.integrations import outbox
from apps.integrations.models import OutboxMessage, WebhookEndpoint
from apps.integrations.services import validate_url

pytestmark = pytest.mark.django_db


def _webhooks(settings, **values) -> None:
    chronos = copy.deepcopy(settings.CHRONOS)
    integrations = chronos.setdefault("integrations", {})
    integrations["webhooks"] = {**(integrations.get("webhooks") or {}), **values}
    settings.CHRONOS = chronos


@pytest.fixture
def dns(monkeypatch):
    """``dns["name"] = "1.2.3.4"``: what getaddrinfo answers for a name (other names: the real resolver)."""
    answers: dict[str, str] = {}
    real = socket.getaddrinfo

    def fake(host, port, *args, **kwargs):
        if host in answers:
            family = socket.AF_INET6 if ":" in answers[host] else socket.AF_INET
            return [(family, socket.SOCK_STREAM, 6, "", (answers[host], port or 0))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", fake)
    return answers


@pytest.mark.parametrize("url", [
    "http://169.254.169.254/latest/meta-data/", "http://[fe80::1]/x", "http://100.100.100.200/",
    "http://[fd00:ec2::254]/", "http://[::ffff:169.254.169.254]/",
])
def test_cloud_metadata_and_link_local_addresses_are_refused_by_default(url):
    with pytest.raises(ValidationError) as info:
        validate_url(url)
    assert "refused" in info.value.message_dict["url"][0]


def test_a_name_that_resolves_to_a_metadata_address_is_refused(dns):
    dns["metadata.attacker.test"] = "169.254.169.254"
    with pytest.raises(ValidationError, match="blocked network"):
        validate_url("https://metadata.attacker.test/hook")


@pytest.mark.parametrize("url", ["http://127.0.0.1:5678/webhook/x", "http://192.168.1.20/hook", "http://[::1]:5678/"])
def test_localhost_and_lan_receivers_are_allowed_by_default(url):
    assert validate_url(url) == url


@pytest.mark.parametrize("url", ["http://127.0.0.1:5678/", "http://10.1.2.3/", "http://[::1]/", "http://224.0.0.1/",
                                 "http://0.0.0.0/"])
def test_private_hosts_are_refused_when_not_allowed(settings, url):
    _webhooks(settings, allow_private_hosts=False)
    with pytest.raises(ValidationError, match="allow_private_hosts"):
        validate_url(url)
    assert validate_url("https://93.184.215.14/hook") == "https://93.184.215.14/hook"


def test_the_blocked_networks_are_configurable(settings):
    _webhooks(settings, blocked_networks=["192.168.0.0/16"])
    with pytest.raises(ValidationError):
        validate_url("http://192.168.1.20/hook")
    assert validate_url("http://169.254.169.254/") == "http://169.254.169.254/"


def test_the_api_answers_400_for_a_refused_url(admin_api):
    response = admin_api.post("/api/v1/webhook-endpoints", {"name": "m", "url": "http://169.254.169.254/"},
                              format="json")
    assert response.status_code == 400
    assert "blocked network 169.254.0.0/16" in response.json()["url"][0]
    assert not WebhookEndpoint.objects.exists()


def test_a_host_that_resolves_to_a_blocked_address_at_delivery_goes_dead_without_a_request(dns, make_endpoint):
    dns["n8n.rebind.test"] = "198.51.100.7"
    endpoint = make_endpoint("http://n8n.rebind.test/hook", event_types=["*"])
    dns["n8n.rebind.test"] = "169.254.169.254"  # DNS rebinding after the endpoint was saved
    message = outbox.enqueue(transport="webhook", event_type="x", payload={}, endpoint=endpoint)
    outbox.sweep(max_seconds=5)
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.DEAD
    assert message.attempts == 1
    assert "destination refused" in message.last_error and "169.254.169.254" in message.last_error


def test_a_local_receiver_gets_nothing_once_private_hosts_are_disallowed(settings, receiver, endpoint):
    _webhooks(settings, allow_private_hosts=False)
    message = outbox.enqueue(transport="webhook", event_type="x", payload={}, endpoint=endpoint)
    outbox.sweep(max_seconds=5)
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.DEAD
    assert receiver.requests == []


def test_a_malformed_blocked_network_is_reported_at_start(settings):
    from django.core import checks

    _webhooks(settings, blocked_networks=["not-a-network"])
    assert any(e.id == "chronos.E001" and "not-a-network" in e.msg for e in checks.run_checks())
