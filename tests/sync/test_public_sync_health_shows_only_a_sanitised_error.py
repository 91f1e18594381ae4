from __future__ import annotations

import pytest

from apps.sync.errors import public_error
from apps.sync.models import SyncState

RAW = ("OperationalError: could not connect to server at db.internal.example.net (10.0.3.7:5432), "
       "file /srv/chronos/data/chronos.db; SELECT id FROM sync_syncstate WHERE token = 'secret'")


def test_hosts_addresses_paths_and_sql_are_taken_out_but_the_kind_stays():
    text = public_error(RAW)
    assert text.startswith("OperationalError: could not connect to server at <host>")
    for leak in ("db.internal", "10.0.3.7", "/srv/chronos", "sync_syncstate", "secret"):
        assert leak not in text
    assert public_error("ConnectionError: HTTPSConnectionPool(host='oauth2.googleapis.com', port=443) at "
                        "https://oauth2.googleapis.com/token?x=1") == (
        "ConnectionError: HTTPSConnectionPool(host='<host>', port=443) at <url>")
    assert len(public_error("RuntimeError: " + "x" * 1000)) <= 160
    assert public_error("") is None


@pytest.mark.django_db
def test_the_public_health_endpoint_shows_the_sanitised_error_and_the_full_text_stays_stored(
        fake_google, sync, client):
    sync()
    SyncState.objects.filter(calendar_id="work").update(last_error=RAW, last_error_at="2026-03-20T10:01:00Z")
    body = client.get("/api/v1/sync/health").json()
    work = next(c for c in body["calendars"] if c["calendar_id"] == "work")
    assert work["last_error"].startswith("OperationalError: ")
    assert "10.0.3.7" not in work["last_error"] and "/srv/" not in work["last_error"]
    assert SyncState.objects.get(calendar_id="work").last_error == RAW
