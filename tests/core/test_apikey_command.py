from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from apps.core.models import ApiKey

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = StringIO()
    call_command("apikey", *args, stdout=out)
    return out.getvalue()


def works(raw: str) -> int:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client.get("/api/v1/audit").status_code


def test_create_prints_the_key_alone_on_the_last_line_and_it_works():
    out = run("create", "--name", "n8n", "--scopes", "audit.read,events.read", "--expires", "2099-01-01")
    raw = out.strip().splitlines()[-1]
    assert raw.startswith("chr_") and " " not in raw
    assert works(raw) == 200
    key = ApiKey.objects.get(name="n8n")
    assert key.scopes == ["audit.read", "events.read"]
    assert key.expires_at.year == 2099


def test_unknown_scope_is_a_clear_error_and_creates_nothing():
    with pytest.raises(CommandError, match="unknown scope"):
        run("create", "--name", "x", "--scopes", "events.read,root")
    assert not ApiKey.objects.exists()


def test_expiry_in_the_past_is_refused():
    with pytest.raises(CommandError, match="past"):
        run("create", "--name", "x", "--scopes", "admin", "--expires", "2001-01-01")


def test_rotate_prints_a_new_working_key():
    raw = run("create", "--name", "x", "--scopes", "audit.read").strip().splitlines()[-1]
    key = ApiKey.objects.get(name="x")
    new = run("rotate", key.key_id).strip().splitlines()[-1]
    assert new != raw and works(new) == 200 and works(raw) == 200


def test_revoke_stops_the_key_at_once():
    raw = run("create", "--name", "x", "--scopes", "audit.read").strip().splitlines()[-1]
    run("revoke", str(ApiKey.objects.get(name="x").pk))
    assert works(raw) == 401


def test_list_shows_state_without_secrets():
    raw = run("create", "--name", "listed", "--scopes", "audit.read").strip().splitlines()[-1]
    out = run("list")
    assert "listed" in out and "active" in out
    assert raw.split("_", 2)[2] not in out


def test_unknown_id_is_a_command_error():
    with pytest.raises(CommandError, match="no API key"):
        run("revoke", "nope")
