"""A create answer holding a secret is replayed whole, but stored only sealed (DB, WAL)."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest
from django.apps import apps as django_apps
from django.db import connection

from apps.core.models import IdempotencyRecord
from apps.integrations.models import WebhookEndpoint

seal_migration = importlib.import_module("apps.core.migrations.0002_seal_idempotency_answers")


def _create(client, key: str = "endpoint-1"):
    return client.post("/api/v1/webhook-endpoints", {"name": "n8n", "url": "https://n8n.example.org/hook"},
                       format="json", HTTP_IDEMPOTENCY_KEY=key)


@pytest.mark.django_db(transaction=True)
def test_a_webhook_secret_is_replayed_but_never_stored_in_plain_text(api):
    client = api(scopes=["integrations.manage"])
    first = _create(client)
    assert first.status_code == 201, first.content
    secret = first.json()["secret"]
    assert secret.startswith("whsec_")

    replay = _create(client)
    assert replay.status_code == 201
    assert replay["Idempotent-Replayed"] == "true"
    assert replay.json() == first.json()
    assert WebhookEndpoint.objects.count() == 1

    with connection.cursor() as cursor:
        cursor.execute("SELECT response_body FROM core_idempotencyrecord")
        [(stored,)] = cursor.fetchall()
    assert secret not in stored and "whsec_" not in stored and '"url"' not in stored
    if connection.vendor == "sqlite":
        connection.close()  # the WAL is checkpointed into the file; both are read raw
        name = Path(connection.settings_dict["NAME"])
        raw = b"".join(p.read_bytes() for p in (name, Path(f"{name}-wal")) if p.exists())
        assert secret.encode() not in raw
        assert secret.removeprefix("whsec_").encode() not in raw


@pytest.mark.django_db
def test_an_answer_sealed_under_another_secret_key_is_a_409(api):
    from cryptography.fernet import Fernet

    client = api(scopes=["integrations.manage"])
    assert _create(client).status_code == 201
    # As after a change of SECRET_KEY: the token is intact but made with another key.
    IdempotencyRecord.objects.update(response_body=Fernet(Fernet.generate_key()).encrypt(b"{}").decode())
    response = _create(client)
    assert response.status_code == 409
    assert "cannot be read any more" in response.json()["detail"]
    assert WebhookEndpoint.objects.count() == 1


@pytest.mark.django_db
def test_the_migration_seals_answers_stored_in_plain_text():
    IdempotencyRecord.objects.create(principal="1", key="old", request_hash="h", in_progress=False,
                                     response_status=201, response_body='{"secret":"whsec_plain"}')
    IdempotencyRecord.objects.create(principal="1", key="running", request_hash="h")
    seal_migration.seal_existing(django_apps, None)
    old = IdempotencyRecord.objects.get(key="old")
    assert "whsec_plain" not in old.response_body
    from apps.core.idempotency import unseal

    assert unseal(old.response_body) == {"secret": "whsec_plain"}
    assert IdempotencyRecord.objects.get(key="running").response_body is None
