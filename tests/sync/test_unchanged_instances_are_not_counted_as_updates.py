"""Moved and cancelled instances of a Google series count as updated only when they change."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from apps.events.models import EventException
from tests.events.stored import assert_stored_as_computed
from tests.sync.conftest import GOOGLE_ID

BERLIN = ZoneInfo("Europe/Berlin")


def _series_with_exceptions(fake_google) -> dict[str, str]:
    """A weekly series with one moved and one cancelled instance; instance ids by date."""
    start = datetime(2026, 3, 16, 9, 30, tzinfo=BERLIN)
    master = fake_google.add_event(GOOGLE_ID, "Team sync", start, start + timedelta(minutes=45), tz="Europe/Berlin",
                                   recurrence=["RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=6"])
    ids = {i["originalStartTime"]["dateTime"][:10]: i["id"] for i in fake_google.instances(GOOGLE_ID, master["id"])}
    moved = datetime(2026, 4, 7, 15, 0, tzinfo=BERLIN)
    fake_google.update_event(GOOGLE_ID, ids["2026-03-30"], summary="Team sync (moved)",
                             start={"dateTime": moved.isoformat(), "timeZone": "Europe/Berlin"},
                             end={"dateTime": (moved + timedelta(minutes=45)).isoformat(), "timeZone": "Europe/Berlin"})
    fake_google.delete_event(GOOGLE_ID, ids["2026-04-13"])
    return ids


@pytest.mark.parametrize("prepared", [True, False], ids=["prepared-writes", "orm-writes"])
def test_a_full_sync_of_an_unchanged_calendar_with_moved_instances_reports_nothing_updated(
        fake_google, sync, chronos_config, prepared):
    chronos_config("sync", prepared_bulk_writes=prepared)
    _series_with_exceptions(fake_google)
    first = sync()
    assert (first.status, first.created, first.updated) == ("succeeded", 1, 2), first.errors  # two exceptions new
    stored = {(e.external_id, e.updated_at) for e in EventException.objects.all()}

    again = sync(full=True)

    assert (again.status, again.full, again.fetched) == ("succeeded", True, 3), again.errors
    assert (again.created, again.updated, again.deleted) == (0, 0, 0)
    assert {(e.external_id, e.updated_at) for e in EventException.objects.all()} == stored  # nothing rewritten
    assert assert_stored_as_computed() == 5  # six Mondays less the cancelled one


def test_only_the_changed_instance_counts_and_a_new_etag_alone_is_refreshed(fake_google, sync):
    ids = _series_with_exceptions(fake_google)
    sync()
    fake_google.update_event(GOOGLE_ID, ids["2026-04-20"], location="Room 7")  # a third exception
    same = fake_google.update_event(GOOGLE_ID, ids["2026-03-30"], summary="Team sync (moved)")  # new etag only

    run = sync()

    assert (run.status, run.full, run.fetched) == ("succeeded", False, 2), run.errors
    assert (run.created, run.updated, run.deleted) == (0, 1, 0)
    assert EventException.objects.get(external_id=ids["2026-04-20"]).overrides == {"location": "Room 7"}
    moved = EventException.objects.get(external_id=ids["2026-03-30"])
    assert (moved.etag, moved.start_time, moved.overrides) == (
        same["etag"], datetime(2026, 4, 7, 13, 0, tzinfo=UTC), {"title": "Team sync (moved)"})
    assert assert_stored_as_computed() == 5
