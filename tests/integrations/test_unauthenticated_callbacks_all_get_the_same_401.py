"""Probing callbacks without the right secret tells nothing: every failure is the same 401."""

from __future__ import annotations

import json
import time

import pytest
from django.db import transaction

from apps.commands.services import create_command
from apps.integrations.signing import generate_secret
from tests.integrations.test_n8n_push_and_signed_callbacks import _chronos_headers, _post, _standard_headers

pytestmark = pytest.mark.django_db


@pytest.fixture
def n8n(receiver, make_endpoint, whitelisted):
    return make_endpoint(receiver.url, name="n8n", target_system="n8n", event_types=[])


def _command(system: str, django_capture_on_commit_callbacks) -> int:
    from apps.whitelists.models import Whitelist

    Whitelist.objects.get_or_create(system=system, action="SEND_EMAIL",
                                    defaults={"allowed_params": {"to": "email"}, "required_params": []})
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        return create_command(command="SEND_EMAIL", target_system=system, parameters={"to": "a@example.com"}).pk


def test_unknown_ids_unbound_systems_stale_and_wrong_signatures_answer_alike(n8n, django_capture_on_commit_callbacks):
    bound = _command("N8N", django_capture_on_commit_callbacks)
    unbound = _command("SECRETSYSTEM", django_capture_on_commit_callbacks)
    raw = json.dumps({"result": {}}).encode()
    stranger = generate_secret()
    cases = {
        "unknown id": (f"/api/v1/commands/{bound + 1000}/complete", _standard_headers(stranger, raw)),
        "unknown id, right secret": (f"/api/v1/commands/{bound + 1000}/complete", _standard_headers(n8n.plain_secret, raw)),
        "unbound system": (f"/api/v1/commands/{unbound}/complete", _chronos_headers(stranger, raw)),
        "wrong secret": (f"/api/v1/commands/{bound}/complete", _standard_headers(stranger, raw)),
        "stale timestamp": (f"/api/v1/commands/{bound}/fail",
                            _chronos_headers(n8n.plain_secret, raw, ts=int(time.time()) - 3600)),
        "malformed signature": (f"/api/v1/commands/{bound}/complete",
                                {**_standard_headers(n8n.plain_secret, raw), "HTTP_WEBHOOK_SIGNATURE": "v1,???"}),
        "missing webhook-id": (f"/api/v1/commands/{bound}/complete",
                               {**_standard_headers(n8n.plain_secret, raw), "HTTP_WEBHOOK_ID": ""}),
    }
    answers = {}
    for name, (path, headers) in cases.items():
        response = _post(path, {}, headers, raw)
        answers[name] = (response.status_code, response.content, response.get("WWW-Authenticate"))
    expected = (401, b'{"detail":"Signed request not accepted (wrong secret or signature, stale timestamp, '
                     b'or unknown command)."}', answers["wrong secret"][2])
    assert answers == dict.fromkeys(cases, expected)
    assert b"SECRETSYSTEM" not in b"".join(a[1] for a in answers.values())
