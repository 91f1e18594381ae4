from __future__ import annotations

from datetime import timedelta

import pytest

from apps.audit.models import AuditEntry
from apps.events.models import Event
from apps.sync.models import PendingPush
from apps.sync.services import push_now
from tests.sync.conftest import GOOGLE_ID, NOW


@pytest.fixture
def synced(fake_google, sync):
    item = fake_google.add_event(GOOGLE_ID, "Shared", NOW + timedelta(hours=2), NOW + timedelta(hours=3))
    sync()
    return item, Event.objects.get(external_id=item["id"])


def _edit_locally(event: Event, title: str) -> None:
    event.title = title
    event.save()  # queued; the on-commit push does not run inside the test transaction


def test_a_remote_change_newer_than_an_unpushed_local_edit_is_a_conflict(fake_google, sync, synced):
    item, event = synced
    _edit_locally(event, "Local title")
    fake_google.update_event(GOOGLE_ID, item["id"], summary="Remote title")

    run = sync()

    assert run.conflicts == 1 and run.pushed == 0
    assert any(e["type"] == "conflict" and e["external_id"] == item["id"] for e in run.errors)
    event.refresh_from_db()
    assert event.title == "Local title"  # not overwritten by the remote change
    assert fake_google.get(GOOGLE_ID, item["id"])["summary"] == "Remote title"  # nor the other way round
    assert not fake_google.calls("PATCH")
    pending = PendingPush.objects.get()
    assert pending.status == "conflict" and pending.remote_snapshot["title"] == "Remote title"
    assert AuditEntry.objects.filter(action="sync.conflict", entity_id=str(event.pk)).count() == 1

    later = sync()  # stays parked until someone decides
    assert later.pushed == 0 and PendingPush.objects.get().status == "conflict"


def test_a_push_based_on_a_stale_version_is_refused_by_if_match_and_parked(fake_google, google_calendar, synced):
    item, event = synced
    _edit_locally(event, "Local title")
    fake_google.update_event(GOOGLE_ID, item["id"], summary="Remote title")  # not pulled yet

    counts = push_now(google_calendar)

    assert counts.conflicts == 1 and counts.pushed == 0
    assert fake_google.calls("PATCH")[-1]["status"] == 412
    assert fake_google.get(GOOGLE_ID, item["id"])["summary"] == "Remote title"
    pending = PendingPush.objects.get()
    assert pending.status == "conflict" and pending.remote_snapshot["title"] == "Remote title"


def test_a_remote_delete_of_a_locally_edited_event_is_a_conflict(fake_google, google_calendar, synced):
    item, event = synced
    _edit_locally(event, "Still wanted")
    fake_google.delete_event(GOOGLE_ID, item["id"])

    counts = push_now(google_calendar)

    assert counts.conflicts == 1
    assert Event.objects.filter(pk=event.pk, title="Still wanted").exists()
    assert PendingPush.objects.get().status == "conflict"


def test_keeping_the_local_version_in_the_admin_pushes_it_over_the_remote(fake_google, google_calendar, synced,
                                                                         admin_client):
    item, event = synced
    _edit_locally(event, "Local wins")
    fake_google.update_event(GOOGLE_ID, item["id"], summary="Remote title")
    push_now(google_calendar)
    pending = PendingPush.objects.get(status="conflict")

    response = admin_client.post("/admin/sync/pendingpush/", {"action": "keep_local", "_selected_action": [pending.pk]})
    assert response.status_code == 302
    push_now(google_calendar)

    assert fake_google.get(GOOGLE_ID, item["id"])["summary"] == "Local wins"
    assert fake_google.calls("PATCH")[-1]["if_match"] == ""
    assert not PendingPush.objects.exists()


def test_taking_the_remote_version_in_the_admin_replaces_the_local_edit(fake_google, sync, synced, admin_client):
    item, event = synced
    _edit_locally(event, "Local loses")
    fake_google.update_event(GOOGLE_ID, item["id"], summary="Remote wins")
    sync()
    pending = PendingPush.objects.get(status="conflict")

    admin_client.post("/admin/sync/pendingpush/", {"action": "take_remote", "_selected_action": [pending.pk]})
    run = sync()

    assert run.full is True
    event.refresh_from_db()
    assert event.title == "Remote wins"
    assert not PendingPush.objects.exists()
