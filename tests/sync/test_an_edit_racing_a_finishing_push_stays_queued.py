from __future__ import annotations

from datetime import timedelta

from django.db.models import F, QuerySet

from apps.events.models import Event
from apps.sync.models import EventSyncMeta, PendingPush
from apps.sync.services import push_now
from tests.sync.conftest import GOOGLE_ID, NOW


def _synced_event(fake_google, sync) -> Event:
    item = fake_google.add_event(GOOGLE_ID, "Shared", NOW + timedelta(hours=2), NOW + timedelta(hours=3))
    sync()
    return Event.objects.get(external_id=item["id"])


def test_an_edit_committed_after_the_push_read_its_row_is_not_deleted_with_it(
        fake_google, google_calendar, sync, monkeypatch):
    event = _synced_event(fake_google, sync)
    event.title = "First edit"
    event.save()
    original = EventSyncMeta.objects.update_or_create

    def edit_lands_meanwhile(*args, **kwargs):
        # What record_saved commits on another connection while the push records its result.
        PendingPush.objects.update(revision=F("revision") + 1)
        return original(*args, **kwargs)

    monkeypatch.setattr(EventSyncMeta.objects, "update_or_create", edit_lands_meanwhile)

    push_now(google_calendar)

    pending = PendingPush.objects.get()
    assert pending.op == PendingPush.Op.PATCH
    assert pending.base_etag == fake_google.get(GOOGLE_ID, event.external_id)["etag"]


def test_an_edit_whose_open_change_was_just_pushed_and_deleted_gets_a_row_of_its_own(
        fake_google, google_calendar, sync, monkeypatch):
    event = _synced_event(fake_google, sync)
    event.title = "First edit"
    event.save()
    original_first = QuerySet.first

    def push_finishes_meanwhile(self):
        found = original_first(self)
        if self.model is PendingPush and found is not None:
            PendingPush.objects.filter(pk=found.pk).delete()  # _done on another connection
        return found

    monkeypatch.setattr(QuerySet, "first", push_finishes_meanwhile)
    event.title = "Second edit"
    event.save()
    monkeypatch.setattr(QuerySet, "first", original_first)

    pending = PendingPush.objects.get()
    assert (pending.op, pending.event_id, pending.revision) == (PendingPush.Op.PATCH, event.pk, 0)
