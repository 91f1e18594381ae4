"""Google series through the fake Calendar server: masters with rules, EXDATE, moved and cancelled instances."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from apps.events.models import Event, EventException
from apps.events.recurrence import occurrences
from tests.events.stored import assert_stored_as_computed
from tests.sync.conftest import GOOGLE_ID, NOW

BERLIN = ZoneInfo("Europe/Berlin")


def _corpus(fake_google):
    """A weekly series crossing the DST switch (29 March) with an EXDATE, a moved and a cancelled instance."""
    start = datetime(2026, 3, 16, 9, 30, tzinfo=BERLIN)
    master = fake_google.add_event(GOOGLE_ID, "Team sync", start, start + timedelta(minutes=45), tz="Europe/Berlin",
                                   recurrence=["RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=6",
                                               "EXDATE;TZID=Europe/Berlin:20260323T093000"])
    ids = {i["originalStartTime"]["dateTime"][:10]: i["id"] for i in fake_google.instances(GOOGLE_ID, master["id"])}
    moved = datetime(2026, 4, 7, 15, 0, tzinfo=BERLIN)
    fake_google.update_event(GOOGLE_ID, ids["2026-03-30"], summary="Team sync (moved)",
                             start={"dateTime": moved.isoformat(), "timeZone": "Europe/Berlin"},
                             end={"dateTime": (moved + timedelta(minutes=45)).isoformat(), "timeZone": "Europe/Berlin"})
    fake_google.delete_event(GOOGLE_ID, ids["2026-04-13"])
    fake_google.add_event(GOOGLE_ID, "Lunch", datetime(2026, 3, 30, 12, 0, tzinfo=UTC),
                          datetime(2026, 3, 30, 13, 0, tzinfo=UTC))
    return master, ids


def _google_view(fake_google, master_id):
    """Google's own expansion (singleEvents) of the series: what Chronos must show."""
    out = []
    for item in fake_google.instances(GOOGLE_ID, master_id):
        if item.get("status") == "cancelled":
            continue
        out.append((item["summary"], datetime.fromisoformat(item["start"]["dateTime"]).astimezone(UTC)))
    return sorted(out, key=lambda x: x[1])


def test_a_series_arrives_as_one_master_with_its_exceptions(fake_google, sync, api):
    master, ids = _corpus(fake_google)

    run = sync()

    assert run.status == "succeeded", run.errors
    assert Event.objects.count() == 2  # the series and the lunch: no expanded copies
    series = Event.objects.get(external_id=master["id"])
    assert series.recurrence == ["RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=6", "EXDATE;TZID=Europe/Berlin:20260323T093000"]
    exceptions = {e.external_id: e for e in EventException.objects.all()}
    assert set(exceptions) == {ids["2026-03-30"], ids["2026-04-13"]}
    assert exceptions[ids["2026-04-13"]].cancelled is True
    moved = exceptions[ids["2026-03-30"]]
    assert (moved.cancelled, moved.original_start, moved.start_time, moved.overrides) == (
        False, datetime(2026, 3, 30, 7, 30, tzinfo=UTC), datetime(2026, 4, 7, 13, 0, tzinfo=UTC),
        {"title": "Team sync (moved)"})

    found = occurrences(series, NOW - timedelta(days=30), NOW + timedelta(days=60))
    assert [(o.value("title"), o.start) for o in found] == _google_view(fake_google, master["id"])
    # The API shows Google's instance ids for the occurrences.
    body = api(scopes=["events.read"]).get("/api/v1/events", {"start": "2026-03-01T00:00:00Z",
                                                               "end": "2026-05-01T00:00:00Z",
                                                               "calendar": "work"}).json()
    listed = [i["id"] for i in body["items"] if i["recurring_event_id"] == series.pk]
    google_ids = [i["id"] for i in fake_google.instances(GOOGLE_ID, master["id"]) if i.get("status") != "cancelled"]
    assert sorted(x.split("_")[1] for x in listed) == sorted(x.split("_")[1] for x in google_ids)
    assert len(listed) == 4  # six Mondays less the EXDATE and the cancelled one
    assert assert_stored_as_computed() == 4  # the bulk writes of the sync stored its occurrences


def test_later_changes_to_instances_arrive_incrementally(fake_google, sync):
    master, ids = _corpus(fake_google)
    sync()
    fake_google.delete_event(GOOGLE_ID, ids["2026-04-06"])
    fake_google.update_event(GOOGLE_ID, ids["2026-04-20"], location="Room 7")

    run = sync()

    assert run.full is False
    series = Event.objects.get(external_id=master["id"])
    assert EventException.objects.get(external_id=ids["2026-04-06"]).cancelled is True
    assert EventException.objects.get(external_id=ids["2026-04-20"]).overrides == {"location": "Room 7"}
    assert assert_stored_as_computed() == 3
    found = occurrences(series, NOW - timedelta(days=30), NOW + timedelta(days=60))
    assert [(o.value("title"), o.start) for o in found] == _google_view(fake_google, master["id"])


def test_a_local_series_is_written_back_with_its_rule(fake_google, sync, api, google_calendar):
    writer = api(scopes=["events.read", "events.write"])
    response = writer.post("/api/v1/events", {"calendar_id": google_calendar.id, "title": "Local series",
                                              "start_time": "2026-03-24T08:00:00Z", "end_time": "2026-03-24T09:00:00Z",
                                              "timezone": "Europe/Berlin",
                                              "recurrence": ["RRULE:FREQ=DAILY;COUNT=3"]}, format="json")
    assert response.status_code == 201, response.content

    sync()

    local = Event.objects.get(title="Local series")
    remote = fake_google.get(GOOGLE_ID, local.external_id)
    assert remote["recurrence"] == ["RRULE:FREQ=DAILY;COUNT=3"]
    assert len(fake_google.instances(GOOGLE_ID, local.external_id)) == 3


def test_local_changes_to_one_occurrence_are_written_back_to_that_instance(fake_google, sync, api):
    master, ids = _corpus(fake_google)
    sync()
    series = Event.objects.get(external_id=master["id"])
    writer = api(scopes=["events.read", "events.write"])
    moved = "2026-04-21T12:00:00Z"
    assert writer.patch(f"/api/v1/events/{series.pk}_20260420T073000Z",
                        {"title": "Retro instead", "start_time": moved}, format="json").status_code == 200
    assert writer.delete(f"/api/v1/events/{series.pk}_20260406T073000Z").status_code == 204

    run = sync()

    assert run.errors == [] and run.pushed == 2
    changed = fake_google.get(GOOGLE_ID, ids["2026-04-20"])
    assert changed["summary"] == "Retro instead"
    assert datetime.fromisoformat(changed["start"]["dateTime"]).astimezone(UTC) == datetime(2026, 4, 21, 12, tzinfo=UTC)
    assert fake_google.get(GOOGLE_ID, ids["2026-04-06"])["status"] == "cancelled"
    # Google's view and ours agree, and the echo of our own push changes nothing more.
    found = occurrences(series, NOW - timedelta(days=30), NOW + timedelta(days=60))
    assert [(o.value("title"), o.start) for o in found] == _google_view(fake_google, master["id"])
    assert sync().pushed == 0
