from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from apps.core import bootstrap

pytestmark = pytest.mark.django_db


def test_first_start_creates_admin_key_and_mock_calendar_once(monkeypatch):
    monkeypatch.setenv("CHRONOS_ADMIN_PASSWORD", "correct-horse-battery")
    first = bootstrap.run()
    assert first.admin_created and first.password_from_env
    user = get_user_model().objects.get(username="admin")
    assert user.is_superuser and user.check_password("correct-horse-battery")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {first.api_key}")
    assert client.get("/api/v1/audit").status_code == 200
    from apps.events.models import Calendar

    mock = Calendar.objects.get(id="mock")
    assert mock.source == "mock" and first.sample_events == mock.events.count() > 20
    assert mock.events.filter(all_day=True, start_date__isnull=False).exists()

    second = bootstrap.run()
    assert not second.admin_created and second.api_key is None and second.sample_events == 0
    assert get_user_model().objects.count() == 1


def test_generated_password_is_random_and_works():
    result = bootstrap.run()
    assert result.password and len(result.password) >= 12
    assert get_user_model().objects.get(username="admin").check_password(result.password)


def _manage(*args, **env) -> subprocess.CompletedProcess:
    full_env = {**os.environ, "CHRONOS_DATA_DIR": str(settings.DATA_DIR / "cli"), **env}
    full_env.pop("DJANGO_SETTINGS_MODULE", None)
    return subprocess.run([sys.executable, "manage.py", *args], cwd=settings.BASE_DIR, env=full_env,
                          capture_output=True, text=True, timeout=60)


@pytest.mark.slow
def test_bad_configuration_stops_the_start_with_one_clear_line_and_no_traceback():
    result = _manage("start", CHRONOS_PORT="eighty")
    assert result.returncode != 0
    assert "configuration error: CHRONOS_PORT='eighty' is not an integer" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.slow
def test_unsupported_database_url_is_a_clear_error(tmp_path):
    result = _manage("check", DATABASE_URL="mysql://root@localhost/x")
    assert result.returncode != 0
    assert "unsupported database" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.slow
def test_a_too_small_wal_checkpoint_size_is_a_clear_error(tmp_path):
    config = tmp_path / "c.yaml"
    config.write_text("database:\n  sqlite_wal_autocheckpoint_pages: 5\n")
    result = _manage("check", CHRONOS_CONFIG=str(config), DATABASE_URL=f"sqlite:///{tmp_path}/c.db")
    assert result.returncode != 0
    assert "database.sqlite_wal_autocheckpoint_pages: expected at least 100, got 5" in result.stderr
    assert "Traceback" not in result.stderr
