from __future__ import annotations

from datetime import timedelta

from apps.events.models import Event
from apps.sync.models import EventSyncMeta, SyncState
from tests.sync.conftest import GOOGLE_ID, NOW


def test_first_sync_lists_the_window_page_by_page_and_stores_the_token(fake_google, sync, chronos_config):
    chronos_config("google", page_size=5)
    fake_google.trailing_empty_pages = 2  # short and empty pages must not end the listing early
    for n in range(23):
        start = NOW + timedelta(hours=3 * n)
        fake_google.add_event(GOOGLE_ID, f"Meeting {n}", start, start + timedelta(minutes=45))

    run = sync()

    assert run.status == "succeeded", run.errors
    assert (run.full, run.fetched, run.created, run.updated, run.deleted) == (True, 23, 23, 0, 0)
    assert Event.objects.filter(calendar_id="work").count() == 23
    lists = fake_google.calls("GET", "/events")
    assert len(lists) == 7  # 5 pages with items, 2 empty ones
    first = lists[0]["query"]
    assert first["singleEvents"] == "false" and first["maxResults"] == "5"
    assert first["timeMin"].endswith("Z") and first["timeMax"].endswith("Z")
    assert all("pageToken" in call["query"] for call in lists[1:])
    assert SyncState.objects.get(calendar_id="work").sync_token == f"tok-{fake_google.seq}"
    assert EventSyncMeta.objects.filter(calendar_id="work").count() == 23


def test_events_outside_the_window_are_ignored(fake_google, sync, google_calendar):
    fake_google.add_event(GOOGLE_ID, "inside", NOW + timedelta(days=1), NOW + timedelta(days=1, hours=1))
    fake_google.add_event(GOOGLE_ID, "too far", NOW + timedelta(days=200), NOW + timedelta(days=200, hours=1))
    fake_google.add_event(GOOGLE_ID, "too old", NOW - timedelta(days=90), NOW - timedelta(days=90, hours=-1))

    run = sync()

    assert list(Event.objects.values_list("title", flat=True)) == ["inside"]
    assert run.created == 1


def test_a_second_full_sync_of_an_unchanged_calendar_changes_nothing(fake_google, sync):
    for n in range(4):
        fake_google.add_event(GOOGLE_ID, f"E{n}", NOW + timedelta(hours=n), NOW + timedelta(hours=n, minutes=30))
    sync()
    before = dict(Event.objects.values_list("external_id", "updated_at"))

    again = sync(full=True)

    assert (again.fetched, again.created, again.updated, again.deleted) == (4, 0, 0, 0)
    assert dict(Event.objects.values_list("external_id", "updated_at")) == before
