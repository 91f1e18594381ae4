from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from datetime import UTC

import pytest
from django.db import transaction
from rest_framework.test import APIClient
from standardwebhooks import Webhook

from apps.commands.models import Command
from apps.commands.services import create_command
from apps.integrations.models import OutboxMessage


@pytest.fixture
def n8n(receiver, make_endpoint, whitelisted):
    """An n8n endpoint bound to target system N8N (it subscribes to nothing else)."""
    return make_endpoint(receiver.url, name="n8n", target_system="n8n", event_types=[])


def _create(django_capture_on_commit_callbacks) -> Command:
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        return create_command(command="SEND_EMAIL", target_system="N8N", parameters={"to": "a@example.com"})


def _standard_headers(secret: str, body: bytes, *, msg_id: str | None = None, ts: int | None = None) -> dict:
    msg_id = msg_id or f"msg_{uuid.uuid4().hex}"
    ts = int(time.time()) if ts is None else ts
    from datetime import datetime

    signature = Webhook(secret).sign(msg_id, datetime.fromtimestamp(ts, tz=UTC), body.decode())
    return {"HTTP_WEBHOOK_ID": msg_id, "HTTP_WEBHOOK_TIMESTAMP": str(ts), "HTTP_WEBHOOK_SIGNATURE": signature}


def _chronos_headers(secret: str, body: bytes, *, ts: int | None = None) -> dict:
    ts = int(time.time()) if ts is None else ts
    key = base64.b64decode(secret.removeprefix("whsec_"))
    sig = hmac.new(key, f"{ts}.".encode() + body, hashlib.sha256).hexdigest()
    return {"HTTP_X_CHRONOS_TIMESTAMP": str(ts), "HTTP_X_CHRONOS_SIGNATURE": f"sha256={sig}"}


def _post(path: str, payload: dict, headers: dict, body: bytes | None = None):
    body = body if body is not None else json.dumps(payload).encode()
    return APIClient().generic("POST", path, body, content_type="application/json", **headers)


def test_a_new_command_is_claimed_and_pushed_then_a_signed_callback_completes_it(
    n8n, receiver, django_capture_on_commit_callbacks
):
    command = _create(django_capture_on_commit_callbacks)

    command.refresh_from_db()
    assert command.status == "PROCESSING"  # claimed before the push: the callback finds it PROCESSING
    assert len(receiver.requests) == 1
    pushed = receiver.requests[0]
    body = Webhook(n8n.plain_secret).verify(pushed.body, pushed.headers)
    assert body["type"] == "command.created"
    assert body["data"]["id"] == command.pk and body["data"]["command"] == "SEND_EMAIL"

    payload = {"result": {"sent": True}}
    raw = json.dumps(payload).encode()
    response = _post(f"/api/v1/commands/{command.pk}/complete", payload, _standard_headers(n8n.plain_secret, raw),
                     raw)
    assert response.status_code == 200, response.json()
    command.refresh_from_db()
    assert command.status == "COMPLETED"
    assert command.result == {"sent": True}


def test_the_simple_signature_scheme_is_accepted_for_fail(n8n, django_capture_on_commit_callbacks):
    command = _create(django_capture_on_commit_callbacks)
    raw = json.dumps({"error": "mailbox full", "retry": False}).encode()
    response = _post(f"/api/v1/commands/{command.pk}/fail", {}, _chronos_headers(n8n.plain_secret, raw), raw)
    assert response.status_code == 200, response.json()
    command.refresh_from_db()
    assert command.status == "FAILED"


def test_a_replayed_webhook_id_is_refused_with_409(n8n, django_capture_on_commit_callbacks):
    command = _create(django_capture_on_commit_callbacks)
    raw = json.dumps({"result": {}}).encode()
    headers = _standard_headers(n8n.plain_secret, raw)
    assert _post(f"/api/v1/commands/{command.pk}/complete", {}, headers, raw).status_code == 200
    again = _post(f"/api/v1/commands/{command.pk}/complete", {}, headers, raw)
    assert again.status_code == 409
    assert "replay" in again.json()["detail"]


def test_a_replayed_simple_signature_is_refused_with_409(n8n, django_capture_on_commit_callbacks):
    command = _create(django_capture_on_commit_callbacks)
    raw = json.dumps({"result": {}}).encode()
    headers = _chronos_headers(n8n.plain_secret, raw)
    assert _post(f"/api/v1/commands/{command.pk}/complete", {}, headers, raw).status_code == 200
    assert _post(f"/api/v1/commands/{command.pk}/complete", {}, headers, raw).status_code == 409


@pytest.mark.parametrize("scheme", ["standard", "chronos"])
def test_a_stale_timestamp_is_refused_with_401(n8n, django_capture_on_commit_callbacks, scheme):
    command = _create(django_capture_on_commit_callbacks)
    raw = json.dumps({"result": {}}).encode()
    old = int(time.time()) - 301
    headers = (_standard_headers(n8n.plain_secret, raw, ts=old) if scheme == "standard"
               else _chronos_headers(n8n.plain_secret, raw, ts=old))
    response = _post(f"/api/v1/commands/{command.pk}/complete", {}, headers, raw)
    assert response.status_code == 401
    command.refresh_from_db()
    assert command.status == "PROCESSING"


@pytest.mark.parametrize("signature", ["garbage", "v1,not-base64!", "v1,AAAA", ""])
def test_a_wrong_or_malformed_signature_is_refused_with_401(n8n, django_capture_on_commit_callbacks, signature):
    command = _create(django_capture_on_commit_callbacks)
    raw = json.dumps({"result": {}}).encode()
    headers = _standard_headers(n8n.plain_secret, raw)
    headers["HTTP_WEBHOOK_SIGNATURE"] = signature or " "
    response = _post(f"/api/v1/commands/{command.pk}/complete", {}, headers, raw)
    assert response.status_code == 401


def test_a_signature_by_another_secret_is_refused(n8n, django_capture_on_commit_callbacks):
    from apps.integrations.signing import generate_secret

    command = _create(django_capture_on_commit_callbacks)
    raw = json.dumps({"result": {}}).encode()
    response = _post(f"/api/v1/commands/{command.pk}/complete", {}, _chronos_headers(generate_secret(), raw), raw)
    assert response.status_code == 401


def test_a_bearer_key_still_works_for_callbacks(n8n, api, django_capture_on_commit_callbacks):
    command = _create(django_capture_on_commit_callbacks)
    client = api(scopes=["commands.manage"])
    response = client.post(f"/api/v1/commands/{command.pk}/complete", {"result": {"ok": 1}}, format="json")
    assert response.status_code == 200


def test_a_push_that_ends_dead_returns_the_command_to_pending(n8n, receiver, django_capture_on_commit_callbacks):
    receiver.script(404)
    command = _create(django_capture_on_commit_callbacks)
    message = OutboxMessage.objects.get(target__push_command_id=command.pk)
    assert message.status == OutboxMessage.Status.DEAD
    command.refresh_from_db()
    assert command.status == "PENDING"  # pollable again
