from __future__ import annotations

import json
from unittest import mock

import pytest
from django.db import transaction
from rest_framework.test import APIClient

from apps.commands.models import Command
from apps.commands.services import create_command
from tests.integrations.test_n8n_push_and_signed_callbacks import _chronos_headers, _post, _standard_headers


@pytest.fixture
def n8n(receiver, make_endpoint, whitelisted):
    return make_endpoint(receiver.url, name="n8n", target_system="n8n", event_types=[])


@pytest.fixture
def command(n8n, django_capture_on_commit_callbacks) -> Command:
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        return create_command(command="SEND_EMAIL", target_system="N8N", parameters={"to": "a@example.com"})


@pytest.mark.parametrize("sign", [_standard_headers, _chronos_headers])
def test_a_callback_refused_with_400_can_be_sent_again_with_the_same_id(n8n, command, sign):
    raw = b'{"result": {"sent": tru'  # cut short on the way: 400
    headers = sign(n8n.plain_secret, raw)
    first = _post(f"/api/v1/commands/{command.pk}/complete", {}, headers, raw)
    assert first.status_code == 400
    again = _post(f"/api/v1/commands/{command.pk}/complete", {}, headers, raw)
    assert again.status_code == 400  # judged afresh, not "replayed" (409)


def test_a_callback_that_hit_a_server_error_is_accepted_on_retry_and_then_refused_as_a_replay(n8n, command):
    raw = json.dumps({"result": {"sent": True}}).encode()
    headers = _standard_headers(n8n.plain_secret, raw)
    with mock.patch("apps.commands.services.complete", side_effect=RuntimeError("database went away")):
        failed = APIClient(raise_request_exception=False).generic(
            "POST", f"/api/v1/commands/{command.pk}/complete", raw, content_type="application/json", **headers)
    assert failed.status_code == 500
    assert _post(f"/api/v1/commands/{command.pk}/complete", {}, headers, raw).status_code == 200
    assert Command.objects.get(pk=command.pk).status == "COMPLETED"
    assert _post(f"/api/v1/commands/{command.pk}/complete", {}, headers, raw).status_code == 409
