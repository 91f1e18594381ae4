from __future__ import annotations

import base64
import hashlib
import hmac

import pytest
from django.db import transaction
from standardwebhooks import Webhook

from apps.integrations import outbox


@pytest.fixture
def delivered(receiver, endpoint, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        message = outbox.enqueue(transport="webhook", event_type="command.completed",
                                 payload={"id": 7, "text": "Grüße \"quoted\" </script>"}, endpoint=endpoint)
    assert len(receiver.requests) == 1
    return message, receiver.requests[0], endpoint.plain_secret


def test_the_standardwebhooks_library_verifies_a_delivery(delivered):
    message, request, secret = delivered
    payload = Webhook(secret).verify(request.body, {
        "webhook-id": request.headers["webhook-id"],
        "webhook-timestamp": request.headers["webhook-timestamp"],
        "webhook-signature": request.headers["webhook-signature"],
    })
    assert request.headers["webhook-id"] == str(message.id)
    assert payload["data"] == {"id": 7, "text": "Grüße \"quoted\" </script>"}
    assert payload["type"] == "command.completed"


def test_a_plain_hmac_check_verifies_the_chronos_signature(delivered):
    _, request, secret = delivered
    key = base64.b64decode(secret.removeprefix("whsec_"))
    ts = request.headers["x-chronos-timestamp"]
    expected = hmac.new(key, ts.encode() + b"." + request.body, hashlib.sha256).hexdigest()
    assert request.headers["x-chronos-signature"] == f"sha256={expected}"
    assert ts == request.headers["webhook-timestamp"]


def test_a_tampered_body_fails_verification(delivered):
    _, request, secret = delivered
    from standardwebhooks.webhooks import WebhookVerificationError

    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(request.body.replace(b"7", b"8"), {
            "webhook-id": request.headers["webhook-id"],
            "webhook-timestamp": request.headers["webhook-timestamp"],
            "webhook-signature": request.headers["webhook-signature"],
        })


def test_the_secret_is_stored_encrypted(delivered, endpoint):
    _, _, secret = delivered
    endpoint.refresh_from_db()
    assert secret.startswith("whsec_") and 24 <= len(base64.b64decode(secret[6:])) <= 32
    assert secret not in endpoint.secret_encrypted
    assert endpoint.secret == secret
