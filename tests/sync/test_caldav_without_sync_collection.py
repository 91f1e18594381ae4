"""Servers without RFC 6578 sync-collection: getctag, then ETags compared with the known ones."""

from __future__ import annotations

from apps.events.models import Event
from apps.sync.models import SyncState
from apps.sync.services import sync_now
from apps.sync.sources import source_for
from tests.sync.radicale import vevent


def _sync(calendar, **kwargs):
    return sync_now(calendar, source=source_for(calendar, use_sync_token=False), trigger="test", **kwargs)


def test_changes_are_found_by_comparing_etags(radicale, caldav_calendar):
    url = caldav_calendar.url
    for n in range(3):
        radicale.put(url, f"e{n}.ics", vevent(f"e{n}", f"Entry {n}", f":2026032{n}T100000Z", f":2026032{n}T110000Z"))
    first = _sync(caldav_calendar)
    assert (first.full, first.created) == (True, 3)
    assert SyncState.objects.get(calendar=caldav_calendar).sync_token.startswith("ctag:")

    unchanged = _sync(caldav_calendar)
    assert (unchanged.fetched, unchanged.created, unchanged.updated, unchanged.deleted) == (0, 0, 0, 0)

    radicale.put(url, "e0.ics", vevent("e0", "Entry 0 renamed", ":20260320T100000Z", ":20260320T110000Z"))
    radicale.delete(url, "e1.ics")
    changed = _sync(caldav_calendar)

    assert (changed.full, changed.fetched, changed.updated, changed.deleted) == (False, 2, 1, 1)
    assert sorted(Event.objects.values_list("title", flat=True)) == ["Entry 0 renamed", "Entry 2"]


def test_an_expired_sync_token_makes_a_full_listing(radicale, caldav_calendar, caldav_sync):
    radicale.put(caldav_calendar.url, "a.ics", vevent("a", "A", ":20260323T100000Z", ":20260323T110000Z"))
    caldav_sync()
    SyncState.objects.filter(calendar=caldav_calendar).update(sync_token="http://radicale.org/ns/sync/unknown")
    radicale.delete(caldav_calendar.url, "a.ics")

    run = caldav_sync()

    assert (run.status, run.full, run.deleted) == ("succeeded", True, 1)
    assert run.errors[0]["type"] == "token_expired"
    assert SyncState.objects.get(calendar=caldav_calendar).sync_token.startswith("http://radicale.org/ns/sync/")
