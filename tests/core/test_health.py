from __future__ import annotations

import time
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from apps.core import heartbeat

pytestmark = pytest.mark.django_db


def test_health_is_200_when_the_worker_beat_recently(client):
    heartbeat.beat()
    response = client.get("/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "healthy"
    assert body["checks"]["database"]["status"] == "ok"
    assert body["checks"]["worker"]["status"] == "ok"
    assert "version" in body


def test_health_is_503_degraded_when_the_heartbeat_is_stale(client):
    with time_machine.travel(timezone.now() - timedelta(minutes=5), tick=False):
        heartbeat.beat()
    response = client.get("/health")
    assert response.status_code == 503
    assert response.json()["status"] == "degraded"
    assert response.json()["checks"]["worker"]["status"] == "down"


def test_health_says_starting_until_the_first_heartbeat_of_a_just_started_install(client):
    # Pinned to just after this process started: the suite may have run longer than the interval.
    with time_machine.travel(heartbeat.PROCESS_STARTED + timedelta(seconds=5), tick=False):
        response = client.get("/health")
    assert response.status_code == 200
    assert response.json()["status"] == "starting"
    assert response.json()["checks"]["worker"] == {
        "status": "starting", "detail": "waiting for the worker's first heartbeat", "last_seen": None}


def test_health_is_503_when_no_worker_came_up_within_the_stale_interval(client):
    with time_machine.travel(heartbeat.PROCESS_STARTED + timedelta(minutes=2), tick=False):
        response = client.get("/health")
    assert response.status_code == 503
    assert response.json()["status"] == "degraded"
    assert response.json()["checks"]["worker"]["status"] == "down"


def test_health_needs_no_key_and_leaks_no_paths(client, settings):
    heartbeat.beat()
    text = client.get("/health").content.decode()
    assert str(settings.DATA_DIR) not in text and settings.SECRET_KEY not in text


def test_every_answer_carries_a_request_id_a_sane_one_is_echoed(client):
    import re

    generated = {client.get("/health").headers["X-Request-ID"] for _ in range(3)}
    assert len(generated) == 3 and all(re.fullmatch(r"[0-9a-f]{32}", rid) for rid in generated)
    assert client.get("/health", HTTP_X_REQUEST_ID="trace-42.a_b").headers["X-Request-ID"] == "trace-42.a_b"
    refused = client.get("/health", HTTP_X_REQUEST_ID="bad id\u00e9").headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", refused)


def test_health_reports_the_memory_of_the_installation_tree(client, monkeypatch):
    import os
    import subprocess
    import sys

    from apps.core import footprint

    child = subprocess.Popen([sys.executable, "-c", "import time; b = bytearray(30 * 2**20); time.sleep(30)"])
    try:
        time.sleep(1)
        monkeypatch.setenv("CHRONOS_START_PID", str(os.getpid()))
        monkeypatch.setattr(footprint, "_cached", None)
        memory = client.get("/health").json()["checks"]["memory"]
        assert memory["status"] == "ok"
        assert memory["processes"] >= 2
        assert memory["uss_mb"] >= 30  # the child's 30 MB count with this process's own
    finally:
        child.kill()
        child.wait()
