"""Availability busy periods: buffers, sub-second instants, touching events, odd stored
attendee values, events that do not block, and a Google busy period merged with stored ones."""

from __future__ import annotations

import pytest

from apps.events.models import Calendar, Event
from tests.scheduling.conftest import utc

URL = "/api/v1/availability"


@pytest.fixture
def client(api):
    return api(scopes=["events.write"])


def ask(client, **body):
    payload = {"start_time": "2025-03-03T09:00:00Z", "end_time": "2025-03-03T13:00:00Z", "duration_minutes": 30,
               "calendar_ids": ["work"], **body}
    res = client.post(URL, payload, format="json")
    assert res.status_code == 200, res.json()
    return res.json()


def periods(slots):
    return [(s["start_time"][11:], s["end_time"][11:], s["available"], s["conflicts"]) for s in slots]


def test_busy_periods_include_the_buffer_and_touching_events_merge(client, calendar, event):
    work = calendar("work", buffer_minutes=10, slot_minutes=30)
    first = event(work, utc(2025, 3, 3, 10), utc(2025, 3, 3, 10, 30))
    second = event(work, utc(2025, 3, 3, 10, 50), utc(2025, 3, 3, 11))  # its buffer touches the first's

    body = ask(client)
    assert periods(body["calendars"][0]["slots"]) == [
        ("09:00:00Z", "09:50:00Z", True, []),
        ("09:50:00Z", "11:10:00Z", False, [first.pk, second.pk]),
        ("11:10:00Z", "13:00:00Z", True, []),
    ]
    # 30-minute slots keep 10 minutes clear of both events.
    assert [s["start_time"][11:16] for s in body["common_free"]] == ["09:00", "11:30", "12:00", "12:30"]


def test_sub_second_instants_are_kept_exactly(client, calendar, event):
    work = calendar("work")
    event(work, utc(2025, 3, 3, 10, 0, 0, 250_000), utc(2025, 3, 3, 10, 59, 59, 999_999))

    slots = ask(client)["calendars"][0]["slots"]
    assert [(s["start_time"], s["end_time"]) for s in slots] == [
        ("2025-03-03T09:00:00Z", "2025-03-03T10:00:00.250000Z"),
        ("2025-03-03T10:00:00.250000Z", "2025-03-03T10:59:59.999999Z"),
        ("2025-03-03T10:59:59.999999Z", "2025-03-03T13:00:00Z"),
    ]


def test_odd_stored_attendee_values_are_read_like_the_events_api_reads_them(client, calendar, event):
    other = calendar("other")
    calendar("work")
    listed = event(other, utc(2025, 3, 3, 9), utc(2025, 3, 3, 10), attendees=[" KIM@x.com "])
    # A bare string or an object list is not an attendee list of strings: nobody is named.
    event(other, utc(2025, 3, 3, 10), utc(2025, 3, 3, 11), attendees="kim@x.com")
    event(other, utc(2025, 3, 3, 11), utc(2025, 3, 3, 12), attendees=[{"email": "kim@x.com"}])

    kim = ask(client, attendees=["kim@x.com"], calendar_ids=[])["attendees"][0]
    assert periods(kim["slots"]) == [
        ("09:00:00Z", "10:00:00Z", False, [listed.pk]),
        ("10:00:00Z", "13:00:00Z", True, []),
    ]


def test_cancelled_all_day_and_zero_length_events_never_block(client, calendar, event):
    work = calendar("work")
    event(work, utc(2025, 3, 3, 9), utc(2025, 3, 3, 10), status=Event.Status.CANCELLED, attendees=["kim@x.com"])
    event(work, utc(2025, 3, 3), utc(2025, 3, 4), all_day=True, attendees=["kim@x.com"])
    event(work, utc(2025, 3, 3, 11), utc(2025, 3, 3, 11), attendees=["kim@x.com"])

    body = ask(client, attendees=["kim@x.com"])
    assert [s["available"] for s in body["attendees"][0]["slots"]] == [True]
    assert [s["available"] for s in body["calendars"][0]["slots"]] == [True]
    assert len(body["common_free"]) == 4 * 4 - 1  # 15-minute grid, 30-minute slots


def test_a_long_event_that_started_before_the_window_is_busy_from_the_window_start(client, calendar, event):
    work = calendar("work", working_hours={"mon": ["00:00", "24:00"]})
    long = event(work, utc(2025, 3, 1, 9), utc(2025, 3, 3, 9, 30))

    slots = ask(client)["calendars"][0]["slots"]
    assert periods(slots)[0] == ("09:00:00Z", "09:30:00Z", False, [long.pk])


def test_google_busy_time_merges_with_stored_events_into_one_period(client, calendar, event, monkeypatch):
    from apps.events.scheduling import availability

    Calendar.objects.create(id="ana", name="Ana", source=Calendar.Source.GOOGLE, external_id="ana@corp.com")
    calendar("work")
    stored = event(calendar("other"), utc(2025, 3, 3, 10), utc(2025, 3, 3, 11), attendees=["ana@corp.com"])
    google = [(utc(2025, 3, 3, 10, 30), utc(2025, 3, 3, 11, 30))]
    monkeypatch.setattr(availability, "external_busy",
                        lambda attendees, start, end: availability.ExternalBusy(busy={"ana@corp.com": google}))

    ana = ask(client, attendees=["ana@corp.com"], calendar_ids=[])["attendees"][0]
    assert ana["source"] == "google"
    busy = [s for s in ana["slots"] if not s["available"]]
    assert [(s["start_time"][11:16], s["end_time"][11:16], s["conflicts"], s["external_busy"]) for s in busy] == [
        ("10:00", "11:30", [stored.pk], True)]


def test_windows_of_several_working_ranges_are_cut_separately(client, calendar, event):
    work = calendar("work", working_hours={"mon": [["09:00", "10:00"], ["11:00", "13:00"]]})
    spanning = event(work, utc(2025, 3, 3, 9, 30), utc(2025, 3, 3, 11, 30))

    slots = ask(client)["calendars"][0]["slots"]
    assert periods(slots) == [
        ("09:00:00Z", "09:30:00Z", True, []),
        ("09:30:00Z", "10:00:00Z", False, [spanning.pk]),
        ("11:00:00Z", "11:30:00Z", False, [spanning.pk]),
        ("11:30:00Z", "13:00:00Z", True, []),
    ]


def test_a_list_that_names_an_asked_attendee_also_counts_for_the_emails_of_its_objects(client, calendar, event):
    # The match of conflicts: a list counts once one of its strings is an asked attendee.
    calendar("work")
    mixed = event(calendar("other"), utc(2025, 3, 3, 9), utc(2025, 3, 3, 10),
                  attendees=["sam@x.com", {"email": "Kim@x.com"}])

    alone = ask(client, attendees=["kim@x.com"], calendar_ids=[])["attendees"][0]
    assert [s["available"] for s in alone["slots"]] == [True]
    both = ask(client, attendees=["kim@x.com", "sam@x.com"], calendar_ids=[])["attendees"]
    assert [periods(a["slots"])[0] for a in both] == [("09:00:00Z", "10:00:00Z", False, [mixed.pk])] * 2


def test_an_event_on_an_asked_calendar_counts_for_the_emails_of_its_objects(client, calendar, event):
    work = calendar("work")
    objects_only = event(work, utc(2025, 3, 3, 9), utc(2025, 3, 3, 10), attendees=[{"email": "Kim@x.com"}])

    kim = ask(client, attendees=["kim@x.com"])["attendees"][0]
    assert periods(kim["slots"])[0] == ("09:00:00Z", "10:00:00Z", False, [objects_only.pk])
