from __future__ import annotations

from datetime import timedelta

from apps.events.models import Event
from apps.sync.models import SyncState
from tests.sync.conftest import GOOGLE_ID, NOW


def test_later_runs_ask_only_for_changes_and_apply_creates_updates_and_cancellations(fake_google, sync):
    keep = fake_google.add_event(GOOGLE_ID, "Keep", NOW + timedelta(hours=1), NOW + timedelta(hours=2))
    edit = fake_google.add_event(GOOGLE_ID, "Edit me", NOW + timedelta(hours=3), NOW + timedelta(hours=4))
    gone = fake_google.add_event(GOOGLE_ID, "Cancel me", NOW + timedelta(hours=5), NOW + timedelta(hours=6))
    sync()
    token = SyncState.objects.get(calendar_id="work").sync_token

    fake_google.add_event(GOOGLE_ID, "New", NOW + timedelta(days=2), NOW + timedelta(days=2, hours=1))
    fake_google.update_event(GOOGLE_ID, edit["id"], summary="Edited", location="Room 7")
    fake_google.delete_event(GOOGLE_ID, gone["id"])
    run = sync()

    assert run.status == "succeeded", run.errors
    assert run.full is False
    assert (run.fetched, run.created, run.updated, run.deleted) == (3, 1, 1, 1)
    last = fake_google.calls("GET", "/events")[-1]["query"]
    assert last["syncToken"] == token and "timeMin" not in last
    titles = dict(Event.objects.values_list("external_id", "title"))
    assert titles[keep["id"]] == "Keep" and titles[edit["id"]] == "Edited"
    assert gone["id"] not in titles and "New" in titles.values()
    assert Event.objects.get(external_id=edit["id"]).location == "Room 7"
    assert SyncState.objects.get(calendar_id="work").sync_token != token


def test_a_run_without_remote_changes_fetches_nothing_and_keeps_going(fake_google, sync):
    fake_google.add_event(GOOGLE_ID, "Only", NOW + timedelta(hours=1), NOW + timedelta(hours=2))
    sync()
    run = sync()
    assert (run.status, run.fetched, run.created, run.updated, run.deleted) == ("succeeded", 0, 0, 0, 0)


def test_an_update_moving_an_event_out_of_the_window_removes_the_local_copy(fake_google, sync):
    item = fake_google.add_event(GOOGLE_ID, "Soon", NOW + timedelta(hours=1), NOW + timedelta(hours=2))
    sync()
    far = NOW + timedelta(days=400)
    fake_google.update_event(GOOGLE_ID, item["id"], start={"dateTime": far.isoformat()},
                             end={"dateTime": (far + timedelta(hours=1)).isoformat()})
    run = sync()
    assert run.deleted == 1
    assert not Event.objects.filter(external_id=item["id"]).exists()
