from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from apps.events.models import Event, EventException
from apps.events.recurrence import occurrences
from tests.sync.conftest import GOOGLE_ID, NOW

BERLIN = ZoneInfo("Europe/Berlin")


def test_all_day_events_stay_dates_with_an_exclusive_end(fake_google, sync):
    item = fake_google.add_event(GOOGLE_ID, "Conference", date(2026, 3, 24), date(2026, 3, 26))

    sync()

    event = Event.objects.get(external_id=item["id"])
    assert event.all_day is True
    assert (event.start_date, event.end_date) == (date(2026, 3, 24), date(2026, 3, 26))
    # Midnight in the calendar's zone (CET, UTC+1 before the switch), stored in UTC.
    assert event.start_time == datetime(2026, 3, 23, 23, 0, tzinfo=UTC)
    assert event.end_time == datetime(2026, 3, 25, 23, 0, tzinfo=UTC)
    assert event.timezone == "Europe/Berlin"


def test_a_series_crossing_the_dst_switch_is_one_series_that_keeps_its_wall_clock_time(fake_google, sync):
    start = datetime(2026, 3, 25, 9, 0, tzinfo=BERLIN)
    master = fake_google.add_recurring(GOOGLE_ID, "Weekly sync", start, start + timedelta(hours=1),
                                       "RRULE:FREQ=WEEKLY;COUNT=3", tz="Europe/Berlin")

    sync()

    series = Event.objects.get(title="Weekly sync")
    assert (series.external_id, series.recurrence, series.timezone) == (
        master["id"], ["RRULE:FREQ=WEEKLY;COUNT=3"], "Europe/Berlin")
    found = occurrences(series, NOW - timedelta(days=30), NOW + timedelta(days=60))
    assert [o.start for o in found] == [
        datetime(2026, 3, 25, 8, 0, tzinfo=UTC),  # CET
        datetime(2026, 4, 1, 7, 0, tzinfo=UTC),  # CEST after 29 March
        datetime(2026, 4, 8, 7, 0, tzinfo=UTC),
    ]
    # The same occurrences, with the same ids, as Google's own expansion.
    assert [o.instance_id.split("_")[1] for o in found] == [
        i["id"].split("_")[1] for i in fake_google.instances(GOOGLE_ID, master["id"])]


def test_a_cancelled_instance_removes_only_that_occurrence(fake_google, sync):
    start = datetime(2026, 3, 23, 14, 0, tzinfo=BERLIN)
    master = fake_google.add_recurring(GOOGLE_ID, "Daily", start, start + timedelta(minutes=30),
                                       "RRULE:FREQ=DAILY;COUNT=4", tz="Europe/Berlin")
    sync()
    second = fake_google.instances(GOOGLE_ID, master["id"])[1]["id"]

    fake_google.delete_event(GOOGLE_ID, second)
    sync()

    series = Event.objects.get(title="Daily")
    assert [o.start.day for o in occurrences(series, NOW - timedelta(days=30), NOW + timedelta(days=30))] == [
        23, 25, 26]
    assert list(EventException.objects.values_list("external_id", "cancelled")) == [(second, True)]


def test_deleting_a_whole_series_removes_it_with_its_exceptions(fake_google, sync):
    start = NOW + timedelta(days=1)
    master = fake_google.add_recurring(GOOGLE_ID, "Series", start, start + timedelta(hours=1),
                                       "RRULE:FREQ=DAILY;COUNT=5", tz="UTC")
    fake_google.add_event(GOOGLE_ID, "Unrelated", NOW + timedelta(hours=2), NOW + timedelta(hours=3))
    sync()
    fake_google.delete_event(GOOGLE_ID, fake_google.instances(GOOGLE_ID, master["id"])[2]["id"])
    sync()
    assert EventException.objects.count() == 1

    fake_google.delete_event(GOOGLE_ID, master["id"])
    run = sync()

    assert run.deleted == 1
    assert list(Event.objects.values_list("title", flat=True)) == ["Unrelated"]
    assert not EventException.objects.exists()
