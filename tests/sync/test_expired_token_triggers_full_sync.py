from __future__ import annotations

from datetime import timedelta

from apps.events.models import Event
from apps.sync.models import SyncState
from tests.sync.conftest import GOOGLE_ID, NOW


def test_a_410_drops_the_token_and_a_full_listing_repairs_the_store(fake_google, sync):
    stays = fake_google.add_event(GOOGLE_ID, "Stays", NOW + timedelta(hours=1), NOW + timedelta(hours=2))
    vanished = fake_google.add_event(GOOGLE_ID, "Deleted meanwhile", NOW + timedelta(hours=3), NOW + timedelta(hours=4))
    sync()
    old_token = SyncState.objects.get(calendar_id="work").sync_token

    fake_google.delete_event(GOOGLE_ID, vanished["id"])
    fake_google.update_event(GOOGLE_ID, stays["id"], summary="Stays, renamed")
    fake_google.expire_sync_tokens()
    run = sync()

    assert run.status == "succeeded", run.errors
    assert run.full is True
    assert any(e["type"] == "token_expired" for e in run.errors)
    lists = fake_google.calls("GET", "/events")
    assert lists[-2]["status"] == 410 and lists[-2]["query"]["syncToken"] == old_token
    assert "syncToken" not in lists[-1]["query"] and "timeMin" in lists[-1]["query"]
    assert list(Event.objects.values_list("title", flat=True)) == ["Stays, renamed"]
    assert run.deleted == 1 and run.updated == 1
    new_token = SyncState.objects.get(calendar_id="work").sync_token
    assert new_token and new_token != old_token


def test_an_explicit_full_sync_ignores_the_stored_token(fake_google, sync):
    fake_google.add_event(GOOGLE_ID, "A", NOW + timedelta(hours=1), NOW + timedelta(hours=2))
    sync()
    run = sync(full=True)
    assert run.full is True
    assert "syncToken" not in fake_google.calls("GET", "/events")[-1]["query"]
