"""The calendar page: events in the calendar's zone, conflicts marked, drag and resize reschedule (audited)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest

from apps.audit.models import AuditEntry
from apps.events.models import Calendar, Event

pytestmark = pytest.mark.django_db


@pytest.fixture
def berlin(db):
    return Calendar.objects.create(id="b", name="Berlin", timezone="Europe/Berlin")


def make(cal, title, start, end, **kw):
    return Event.objects.create(calendar=cal, title=title, start_time=start, end_time=end,
                                timezone=cal.timezone, **kw)


def feed(client, cal="b", start="2026-12-07T00:00:00Z", end="2026-12-14T00:00:00Z"):
    response = client.get(f"/admin/calendar/events.json?calendar={cal}&start={start}&end={end}&timeZone=UTC")
    assert response.status_code == 200, response.content
    return {item["title"]: item for item in response.json()}


def test_the_page_names_the_zone_and_loads_the_vendored_library(root, berlin):
    page = root.get("/admin/calendar/?calendar=b").content.decode()
    assert '<span class="cal-zone" id="cal-zone">Europe/Berlin</span>' in page
    assert "/static/vendor/fullcalendar-6.1.19/index.global.min.js" in page
    assert "cdn" not in page.lower()


def test_the_feed_gives_wall_clock_times_of_the_zone_and_marks_conflicts(root, berlin):
    a = make(berlin, "Stand-up", datetime(2026, 12, 7, 8, 30, tzinfo=UTC), datetime(2026, 12, 7, 8, 45, tzinfo=UTC))
    b = make(berlin, "Overlap", datetime(2026, 12, 7, 8, 40, tzinfo=UTC), datetime(2026, 12, 7, 9, 0, tzinfo=UTC))
    make(berlin, "Friday off", datetime(2026, 12, 10, 23, 0, tzinfo=UTC), datetime(2026, 12, 11, 23, 0, tzinfo=UTC),
         all_day=True, start_date=date(2026, 12, 11), end_date=date(2026, 12, 12))
    items = feed(root)
    assert items["Stand-up"]["start"] == "2026-12-07T09:30" and items["Stand-up"]["end"] == "2026-12-07T09:45"
    assert items["Stand-up"]["classNames"] == ["conflict-event"]
    assert items["Stand-up"]["extendedProps"]["conflicts"] == [b.pk]
    assert items["Stand-up"]["url"] == f"/admin/events/event/{a.pk}/change/"
    assert items["Friday off"] == {**items["Friday off"], "allDay": True, "start": "2026-12-11", "end": "2026-12-12",
                                   "classNames": []}


def test_a_series_shows_each_occurrence_at_local_time_without_the_cancelled_one(root, berlin):
    from apps.events.models import EventException

    series = make(berlin, "Stand-up", datetime(2026, 12, 7, 8, 30, tzinfo=UTC), datetime(2026, 12, 7, 8, 45, tzinfo=UTC),
                  recurrence=["RRULE:FREQ=WEEKLY;BYDAY=MO,WE,FR"])
    EventException.objects.create(series=series, original_start=datetime(2026, 12, 9, 8, 30, tzinfo=UTC), cancelled=True)
    response = root.get("/admin/calendar/events.json?calendar=b&start=2026-12-07T00:00:00Z&end=2026-12-14T00:00:00Z")
    items = [i for i in response.json() if i["title"] == "Stand-up"]
    assert [(i["start"], i["end"]) for i in items] == [("2026-12-07T09:30", "2026-12-07T09:45"),
                                                       ("2026-12-11T09:30", "2026-12-11T09:45")]
    assert {i["id"] for i in items} == {f"{series.pk}_20261207T083000Z", f"{series.pk}_20261211T083000Z"}
    assert all(i["url"] == f"/admin/events/event/{series.pk}/change/" and i["editable"] is False for i in items)


def test_the_feed_refuses_a_range_too_long(root, berlin):
    response = root.get("/admin/calendar/events.json?calendar=b&start=2026-01-01&end=2026-06-01")
    assert response.status_code == 400


def test_dragging_moves_the_event_through_the_reschedule_service(root, berlin):
    event = make(berlin, "Stand-up", datetime(2026, 12, 7, 8, 30, tzinfo=UTC), datetime(2026, 12, 7, 8, 45, tzinfo=UTC))
    response = root.post(f"/admin/calendar/move/{event.pk}/", json.dumps({"start": "2026-12-08T10:00:00",
                                                                         "end": "2026-12-08T10:30:00"}),
                         content_type="application/json")
    assert response.status_code == 200, response.content
    assert response.json() == {"id": event.pk, "start": "2026-12-08T10:00", "end": "2026-12-08T10:30",
                               "conflicts": [], "suggestions": []}
    event.refresh_from_db()
    assert event.start_time == datetime(2026, 12, 8, 9, 0, tzinfo=UTC)
    assert event.end_time == datetime(2026, 12, 8, 9, 30, tzinfo=UTC)
    entry = AuditEntry.objects.get(action="reschedule", entity_id=str(event.pk))
    assert entry.actor_name == "root"


def test_an_auto_plan_collision_offers_free_slots(root):
    cal = Calendar.objects.create(id="p", name="Plan", timezone="Europe/Berlin", default_mode="auto_plan")
    make(cal, "Busy", datetime(2099, 12, 7, 9, 0, tzinfo=UTC), datetime(2099, 12, 7, 10, 0, tzinfo=UTC))
    event = make(cal, "Mover", datetime(2099, 12, 7, 13, 0, tzinfo=UTC), datetime(2099, 12, 7, 13, 30, tzinfo=UTC))
    response = root.post(f"/admin/calendar/move/{event.pk}/", json.dumps({"start": "2099-12-07T10:00:00"}),
                         content_type="application/json")
    body = response.json()
    assert response.status_code == 200 and body["conflicts"]
    assert body["suggestions"] and body["suggestions"][0] == {"start": "2099-12-07T11:00", "end": "2099-12-07T11:30"}


def test_an_all_day_event_moves_by_whole_days(root, berlin):
    event = make(berlin, "Off", datetime(2026, 12, 10, 23, 0, tzinfo=UTC), datetime(2026, 12, 11, 23, 0, tzinfo=UTC),
                 all_day=True, start_date=date(2026, 12, 11), end_date=date(2026, 12, 12))
    response = root.post(f"/admin/calendar/move/{event.pk}/", json.dumps({"start": "2026-12-14", "end": "2026-12-16",
                                                                         "all_day": True}),
                         content_type="application/json")
    assert response.status_code == 200, response.content
    event.refresh_from_db()
    assert (event.start_date, event.end_date) == (date(2026, 12, 14), date(2026, 12, 16))


def _queries(client, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_week_feed_and_the_event_list_cost_the_same_queries_with_more_rows(root, berlin):
    from datetime import timedelta

    def add(n):
        start = datetime(2026, 12, 7, 7, 0, tzinfo=UTC)
        Event.objects.bulk_create([Event(calendar=berlin, title=f"E{i}", start_time=start + timedelta(minutes=20 * i),
                                         end_time=start + timedelta(minutes=20 * i + 30), timezone="Europe/Berlin",
                                         duration_seconds=1800) for i in range(n)])

    feed_url = "/admin/calendar/events.json?calendar=b&start=2026-12-07T00:00:00Z&end=2026-12-14T00:00:00Z"
    add(3)
    small = (_queries(root, feed_url), _queries(root, "/admin/events/event/"))
    add(60)
    assert (_queries(root, feed_url), _queries(root, "/admin/events/event/")) == small


def test_an_entry_with_a_scheduled_timed_action_is_marked_with_its_fire_time(root, berlin):
    from apps.commands.models import ActionFiring

    start = datetime(2026, 12, 8, 8, 0, tzinfo=UTC)
    timed = make(berlin, "ACTION: BACKUP N8N", start, datetime(2026, 12, 8, 9, 0, tzinfo=UTC))
    make(berlin, "Plain", start, datetime(2026, 12, 8, 9, 0, tzinfo=UTC))
    ActionFiring.objects.create(event=timed, occurrence_start=start, fire_at=datetime(2026, 12, 8, 7, 45, tzinfo=UTC),
                                fire="at_start", fire_offset_minutes=-15, command_name="BACKUP", target_system="N8N",
                                idempotency_key=f"event:{timed.pk}:20261208T080000Z")
    items = feed(root)
    assert "timed-action" in items["ACTION: BACKUP N8N"]["classNames"]
    assert items["ACTION: BACKUP N8N"]["extendedProps"]["fires_at"] == "2026-12-08T08:45"
    assert "timed-action" not in items["Plain"]["classNames"] and "_occurrence" not in items["Plain"]
