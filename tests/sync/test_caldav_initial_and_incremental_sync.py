from __future__ import annotations

from datetime import UTC, date, datetime

from apps.events.models import Event
from apps.sync.models import EventSyncMeta, SyncState
from tests.sync.radicale import vevent


def test_a_first_sync_stores_every_entry_of_the_window(radicale, caldav_calendar, caldav_sync):
    url = caldav_calendar.url
    radicale.put(url, "standup.ics", vevent("standup", "Standup", ";TZID=Europe/Berlin:20260323T093000",
                                            ";TZID=Europe/Berlin:20260323T094500"))
    radicale.put(url, "utc.ics", vevent("utc", "Call", ":20260324T150000Z", ":20260324T160000Z"))
    radicale.put(url, "old.ics", vevent("old", "Long ago", ":20250101T100000Z", ":20250101T110000Z"))

    run = caldav_sync()

    assert (run.status, run.full, run.fetched, run.created) == ("succeeded", True, 3, 2)
    standup = Event.objects.get(external_id="standup.ics")
    assert standup.title == "Standup" and standup.timezone == "Europe/Berlin"
    assert standup.start_time == datetime(2026, 3, 23, 8, 30, tzinfo=UTC)
    assert standup.etag == EventSyncMeta.objects.get(external_id="standup.ics").etag != ""
    assert Event.objects.get(external_id="utc.ics").timezone == "Europe/Berlin"  # UTC shown in the calendar's zone
    assert not Event.objects.filter(external_id="old.ics").exists()
    assert SyncState.objects.get(calendar=caldav_calendar).sync_token.startswith("http://radicale.org/ns/sync/")


def test_an_incremental_sync_reads_only_what_changed(radicale, caldav_calendar, caldav_sync):
    url = caldav_calendar.url
    for n in range(5):
        radicale.put(url, f"e{n}.ics", vevent(f"e{n}", f"Entry {n}", f":2026032{n}T100000Z", f":2026032{n}T110000Z"))
    caldav_sync()

    radicale.put(url, "e1.ics", vevent("e1", "Entry 1 moved", ":20260325T120000Z", ":20260325T130000Z"))
    assert radicale.delete(url, "e2.ics") in (200, 204)
    radicale.put(url, "new.ics", vevent("new", "Fresh", ":20260326T080000Z", ":20260326T090000Z"))

    run = caldav_sync()

    assert (run.status, run.full, run.fetched) == ("succeeded", False, 3)
    assert (run.created, run.updated, run.deleted) == (1, 1, 1)
    assert Event.objects.get(external_id="e1.ics").start_time == datetime(2026, 3, 25, 12, tzinfo=UTC)
    assert not Event.objects.filter(external_id="e2.ics").exists()
    assert sorted(Event.objects.values_list("external_id", flat=True)) == ["e0.ics", "e1.ics", "e3.ics", "e4.ics",
                                                                           "new.ics"]
    again = caldav_sync()
    assert (again.fetched, again.created, again.updated, again.deleted) == (0, 0, 0, 0)


def test_all_day_and_floating_entries_keep_their_dates_and_wall_clock(radicale, caldav_calendar, caldav_sync):
    url = caldav_calendar.url
    radicale.put(url, "holiday.ics", vevent("holiday", "Holiday", ";VALUE=DATE:20260401", ";VALUE=DATE:20260403"))
    radicale.put(url, "floating.ics", vevent("floating", "Lunch", ":20260330T120000", ":20260330T130000"))

    caldav_sync()

    holiday = Event.objects.get(external_id="holiday.ics")
    assert holiday.all_day and (holiday.start_date, holiday.end_date) == (date(2026, 4, 1), date(2026, 4, 3))
    assert holiday.start_time == datetime(2026, 3, 31, 22, tzinfo=UTC)  # midnight in Berlin (summer time)
    lunch = Event.objects.get(external_id="floating.ics")
    assert lunch.start_time == datetime(2026, 3, 30, 10, tzinfo=UTC) and lunch.timezone == "Europe/Berlin"
