from __future__ import annotations

import threading

import pytest
import time_machine

from apps.core.models import Heartbeat, IdempotencyRecord
from tests.core import idempotency_urls

pytestmark = [pytest.mark.urls("tests.core.idempotency_urls"), pytest.mark.django_db]


@pytest.fixture
def client(api):
    return api(scopes=["events.write"])


def post(client, body, key="k-1"):
    return client.post("/things", body, format="json", HTTP_IDEMPOTENCY_KEY=key)


def test_a_repeat_with_the_same_key_and_body_replays_the_first_answer(client):
    first = post(client, {"a": 1})
    second = post(client, {"a": 1})
    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert second["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert Heartbeat.objects.count() == 1


def test_the_same_key_with_a_different_body_is_422_and_creates_nothing(client):
    post(client, {"a": 1})
    response = post(client, {"a": 2})
    assert response.status_code == 422
    assert "different request body" in response.json()["detail"]
    assert Heartbeat.objects.count() == 1


def test_keys_are_scoped_to_the_api_key(api):
    one, two = api(scopes=["events.write"]), api(scopes=["events.write"])
    assert post(one, {"a": 1}).json()["id"] != post(two, {"a": 1}).json()["id"]
    assert Heartbeat.objects.count() == 2


def test_without_the_header_every_post_creates(client):
    client.post("/things", {"a": 1}, format="json")
    client.post("/things", {"a": 1}, format="json")
    assert Heartbeat.objects.count() == 2


def test_a_key_older_than_the_ttl_is_forgotten(client):
    with time_machine.travel("2026-01-01T00:00:00Z", tick=False):
        post(client, {"a": 1})
    with time_machine.travel("2026-01-02T00:00:01Z", tick=False):
        response = post(client, {"a": 1})
    assert "Idempotent-Replayed" not in response
    assert Heartbeat.objects.count() == 2


def test_a_failed_first_attempt_does_not_block_the_key(client):
    with pytest.raises(ValueError):
        post(client, {"boom": True})
    assert not IdempotencyRecord.objects.exists()


def test_an_overlong_key_is_400(client):
    assert post(client, {"a": 1}, key="x" * 300).status_code == 400


@pytest.mark.django_db(transaction=True)
def test_a_repeat_while_the_first_is_running_is_409(api):
    client = api(scopes=["events.write"])
    idempotency_urls.gate.clear()
    idempotency_urls.entered.clear()
    results = {}

    def first():
        from django.db import connection

        results["first"] = post(client, {"slow": True}, key="race").status_code
        connection.close()

    thread = threading.Thread(target=first)
    thread.start()
    assert idempotency_urls.entered.wait(10)
    try:
        results["second"] = post(client, {"slow": True}, key="race").status_code
    finally:
        idempotency_urls.gate.set()
        thread.join(10)
    assert results == {"first": 201, "second": 409}


def test_the_stored_fingerprint_cannot_be_checked_against_a_guessed_body(client, settings):
    import hashlib

    post(client, {"password": "hunter2-hunter2"})
    stored = IdempotencyRecord.objects.get().request_hash
    plain = hashlib.sha256(b'POST /things\n{"password":"hunter2-hunter2"}').hexdigest()
    assert stored != plain  # keyed with the secret key, not a bare hash of the body
    assert post(client, {"password": "hunter2-hunter2"})["Idempotent-Replayed"] == "true"
