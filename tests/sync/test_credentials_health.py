from __future__ import annotations

import pytest

from apps.events.models import Calendar, Event


@pytest.fixture
def unconfigured(settings, tmp_path):
    settings.CHRONOS = {**settings.CHRONOS, "google": {"credentials_file": "", "token_file": str(tmp_path / "none.json")}}


def test_missing_credentials_give_one_clear_line_in_health_and_the_run(db, unconfigured, client):
    from apps.sync.services import sync_now

    calendar = Calendar.objects.create(id="work", name="Work", source="google", external_id="w@example.com")

    run = sync_now(calendar)

    assert run.status == "failed"
    assert "not configured" in run.errors[-1]["detail"]
    assert not Event.objects.exists()  # never a silent fallback to sample data
    sync_check = client.get("/health").json()["checks"]["sync"]
    assert sync_check["status"] == "error"
    assert sync_check["detail"] == ("Google credentials are not configured (set google.credentials_file or "
                                    "CHRONOS_GOOGLE_CREDENTIALS)")


def test_a_broken_token_file_is_reported_without_a_traceback(db, settings, tmp_path, client):
    broken = tmp_path / "token.json"
    broken.write_text("{not json")
    settings.CHRONOS = {**settings.CHRONOS, "google": {"token_file": str(broken)}}
    Calendar.objects.create(id="work", name="Work", source="google", external_id="w@example.com")
    check = client.get("/health").json()["checks"]["sync"]
    assert check["status"] == "error" and "not readable JSON" in check["detail"]
    assert str(tmp_path) not in check["detail"]  # no paths in /health


def test_without_google_calendars_the_check_is_ok(db, unconfigured, client):
    assert client.get("/health").json()["checks"]["sync"]["status"] == "ok"


def test_the_admin_shows_the_credentials_problem(db, unconfigured, admin_client):
    Calendar.objects.create(id="work", name="Work", source="google", external_id="w@example.com")
    response = admin_client.get("/admin/sync/syncstate/")
    assert response.status_code == 200
    assert "Google credentials are not configured" in response.content.decode()


def test_an_expired_user_token_is_refreshed_and_saved(google_config, fake_google, db):
    import json
    from pathlib import Path

    from apps.sync import credentials

    path = Path(google_config["token_file"])
    data = json.loads(path.read_text())
    path.write_text(json.dumps({**data, "expiry": "2020-01-01T00:00:00Z"}))

    creds = credentials.load()

    assert creds.valid and creds.token.startswith("fake-access-")
    assert json.loads(path.read_text())["token"] == creds.token
    assert fake_google.calls("POST", "/token")
