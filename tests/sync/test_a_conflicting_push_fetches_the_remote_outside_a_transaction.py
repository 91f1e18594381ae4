from __future__ import annotations

from datetime import timedelta

from django.db import connection

from apps.events.models import Event
from apps.sync.models import PendingPush
from apps.sync.services import push_now
from apps.sync.sources.google import GoogleCalendarSource
from tests.sync.conftest import GOOGLE_ID, NOW


def test_the_remote_version_for_a_412_conflict_is_fetched_before_the_write_transaction(
        fake_google, google_calendar, sync, monkeypatch):
    item = fake_google.add_event(GOOGLE_ID, "Shared", NOW + timedelta(hours=2), NOW + timedelta(hours=3))
    sync()
    event = Event.objects.get(external_id=item["id"])
    event.title = "Local title"
    event.save()
    fake_google.update_event(GOOGLE_ID, item["id"], summary="Remote title")

    depths: list[int] = []
    original = GoogleCalendarSource.get_event

    def spying_get_event(self, external_id):
        depths.append(len(connection.atomic_blocks))
        return original(self, external_id)

    monkeypatch.setattr(GoogleCalendarSource, "get_event", spying_get_event)
    baseline = len(connection.atomic_blocks)  # the test's own transaction

    counts = push_now(google_calendar)

    assert counts.conflicts == 1
    assert depths == [baseline]  # no atomic() of ours (SQLite: the write lock) around the HTTP call
    assert PendingPush.objects.get().remote_snapshot["title"] == "Remote title"
