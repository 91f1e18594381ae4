"""Server-side request forgery: a webhook connects only to the address it checked, never to this
instance itself, and keeps no more than an excerpt of what the receiver answered.

All over real HTTP on 127.0.0.1 (and 127.0.0.2, also loopback on Linux).
"""

from __future__ import annotations

import copy

import pytest
from django.core.exceptions import ValidationError

from apps.integrations import outbox
from apps.integrations.models import OutboxMessage, WebhookEndpoint
from apps.integrations.services import validate_url
from tests.fakes.webhook_receiver import WebhookReceiver

pytestmark = pytest.mark.django_db


def _webhooks(settings, **values) -> None:
    chronos = copy.deepcopy(settings.CHRONOS)
    integrations = chronos.setdefault("integrations", {})
    integrations["webhooks"] = {**(integrations.get("webhooks") or {}), **values}
    settings.CHRONOS = chronos


def _endpoint(url: str) -> WebhookEndpoint:
    """An endpoint saved earlier (when its name still resolved somewhere harmless)."""
    from apps.integrations.services import create_endpoint

    endpoint, _secret = create_endpoint(name="hook", url="http://127.0.0.1:9/placeholder", event_types=["*"])
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(url=url)
    endpoint.refresh_from_db()
    return endpoint


def _deliver(endpoint: WebhookEndpoint) -> OutboxMessage:
    message = outbox.enqueue(transport="webhook", event_type="x", payload={"n": 1}, endpoint=endpoint)
    outbox.sweep(max_seconds=5)
    message.refresh_from_db()
    return message


def test_a_name_that_rebinds_between_check_and_connect_never_reaches_the_second_address(settings, rebinding_dns):
    _webhooks(settings, blocked_networks=["127.0.0.2/32"])
    with WebhookReceiver() as public, WebhookReceiver(host="127.0.0.2", port=public.port) as internal:
        internal.script((200, {}, b'{"secret": "internal service answer"}'))
        message = _deliver(_endpoint(f"http://rebind.test:{public.port}/hook"))

        assert internal.requests == []
        assert len(public.requests) == 1
        assert public.requests[0].headers["host"] == f"rebind.test:{public.port}"
    assert message.status == OutboxMessage.Status.DELIVERED
    assert "internal" not in message.last_response
    assert len(rebinding_dns) == 1  # one resolution, used for the check and the connection


def test_a_name_that_resolves_to_a_refused_address_at_connect_time_is_not_connected_to(settings, rebinding_dns):
    _webhooks(settings, blocked_networks=["127.0.0.2/32"])
    rebinding_dns.append("the first answer was used elsewhere")
    with WebhookReceiver() as public, WebhookReceiver(host="127.0.0.2", port=public.port) as internal:
        message = _deliver(_endpoint(f"http://rebind.test:{public.port}/hook"))
        assert internal.requests == [] and public.requests == []
    assert message.status == OutboxMessage.Status.DEAD
    assert message.last_error == ("destination refused: rebind.test resolves to 127.0.0.2 is in the blocked network "
                                  "127.0.0.2/32 (integrations.webhooks)")


def test_this_instances_own_address_and_port_are_refused_when_saved_and_when_sent(settings, receiver):
    settings.PORT = receiver.port  # Chronos itself listens there
    with pytest.raises(ValidationError, match="this Chronos instance's own address"):
        validate_url(f"http://127.0.0.1:{receiver.port}/api/v1/events")
    with pytest.raises(ValidationError, match="own address"):
        validate_url(f"http://localhost:{receiver.port}/api/v1/events")
    message = _deliver(_endpoint(f"http://127.0.0.1:{receiver.port}/api/v1/events"))
    assert receiver.requests == []
    assert message.status == OutboxMessage.Status.DEAD
    assert "this Chronos instance's own address" in message.last_error
    # Another port on the same host (n8n beside Chronos) stays allowed.
    settings.PORT = receiver.port + 1 if receiver.port < 65535 else receiver.port - 1
    assert validate_url(receiver.url) == receiver.url


def test_the_api_refuses_an_endpoint_aimed_at_chronos_itself(settings, admin_api):
    settings.PORT = 8080
    response = admin_api.post("/api/v1/webhook-endpoints", {"name": "me", "url": "http://127.0.0.1:8080/api/v1/events"},
                              format="json")
    assert response.status_code == 400
    assert response.json()["url"][0] == ("refused: 127.0.0.1 port 8080 is this Chronos instance's "
                                         "own address (integrations.webhooks)")


@pytest.mark.parametrize("status", [200, 500, 404])
def test_only_256_bytes_of_an_answer_are_kept(receiver, status):
    page = ("<html>" + "é internal page " * 4000 + "</html>").encode()
    receiver.script((status, {}, page))
    message = _deliver(_endpoint(receiver.url))
    attempt = message.delivery_attempts.get()
    for kept in (message.last_response, attempt.response):
        assert len(kept.encode()) <= 256
        assert kept.endswith("…")
        assert page.decode().startswith(kept[:-1])
        assert len(kept.encode()) >= 250


def test_a_short_answer_is_kept_whole(receiver):
    receiver.script((200, {}, b'{"ok": true, "id": "x1"}'))
    assert _deliver(_endpoint(receiver.url)).last_response == '{"ok": true, "id": "x1"}'


@pytest.mark.parametrize("url, blocked", [
    ("http://[64:ff9b::a9fe:a9fe]/", "169.254.0.0/16"),          # NAT64 form of 169.254.169.254
    ("http://[64:ff9b::6464:64c8]/", "100.100.100.200/32"),      # NAT64 form of 100.100.100.200
    ("http://[2002:a9fe:a9fe::1]/", "169.254.0.0/16"),           # 6to4 form
])
def test_nat64_and_other_ipv6_forms_of_blocked_addresses_are_refused(url, blocked):
    with pytest.raises(ValidationError, match=f"blocked network {blocked}"):
        validate_url(url)


def test_nat64_forms_of_private_addresses_are_refused_when_private_hosts_are(settings):
    _webhooks(settings, allow_private_hosts=False)
    with pytest.raises(ValidationError, match="a form of 127.0.0.1.*loopback"):
        validate_url("http://[64:ff9b::7f00:1]:5678/")
    with pytest.raises(ValidationError, match="a form of 10.1.2.3.*private"):
        validate_url("http://[64:ff9b::a01:203]/")


def test_loopback_and_lan_receivers_stay_allowed_with_private_hosts(receiver):
    assert validate_url("http://[64:ff9b::c0a8:114]/hook") == "http://[64:ff9b::c0a8:114]/hook"
    message = _deliver(_endpoint(receiver.url))
    assert message.status == OutboxMessage.Status.DELIVERED
    assert len(receiver.requests) == 1
