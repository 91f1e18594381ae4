from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from apps.events.models import Event
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


def test_a_series_crossing_the_dst_switch_keeps_its_wall_clock_time_and_zone(fake_google, sync):
    start = datetime(2026, 3, 25, 9, 0, tzinfo=BERLIN)
    master = fake_google.add_recurring(GOOGLE_ID, "Weekly sync", start, start + timedelta(hours=1),
                                       "RRULE:FREQ=WEEKLY;COUNT=3", tz="Europe/Berlin")

    sync()

    instances = list(Event.objects.filter(title="Weekly sync").order_by("start_time"))
    assert [e.start_time for e in instances] == [
        datetime(2026, 3, 25, 8, 0, tzinfo=UTC),  # CET
        datetime(2026, 4, 1, 7, 0, tzinfo=UTC),  # CEST after 29 March
        datetime(2026, 4, 8, 7, 0, tzinfo=UTC),
    ]
    assert all(e.start_time.astimezone(BERLIN).hour == 9 for e in instances)
    assert all(e.timezone == "Europe/Berlin" and e.duration_seconds == 3600 for e in instances)
    assert all(e.external_id.startswith(master["id"] + "_") for e in instances)


def test_a_cancelled_instance_removes_only_that_occurrence(fake_google, sync):
    start = datetime(2026, 3, 23, 14, 0, tzinfo=BERLIN)
    master = fake_google.add_recurring(GOOGLE_ID, "Daily", start, start + timedelta(minutes=30),
                                       "RRULE:FREQ=DAILY;COUNT=4", tz="Europe/Berlin")
    sync()
    second = fake_google.instances(GOOGLE_ID, master["id"])[1]["id"]

    fake_google.delete_event(GOOGLE_ID, second)
    run = sync()

    assert run.deleted == 1
    assert Event.objects.filter(title="Daily").count() == 3
    assert not Event.objects.filter(external_id=second).exists()


def test_deleting_a_whole_series_removes_every_stored_instance(fake_google, sync):
    start = NOW + timedelta(days=1)
    master = fake_google.add_recurring(GOOGLE_ID, "Series", start, start + timedelta(hours=1),
                                       "RRULE:FREQ=DAILY;COUNT=5", tz="UTC")
    fake_google.add_event(GOOGLE_ID, "Unrelated", NOW + timedelta(hours=2), NOW + timedelta(hours=3))
    sync()
    assert Event.objects.filter(title="Series").count() == 5

    fake_google.delete_event(GOOGLE_ID, master["id"])
    run = sync()

    assert run.deleted == 5
    assert list(Event.objects.values_list("title", flat=True)) == ["Unrelated"]
