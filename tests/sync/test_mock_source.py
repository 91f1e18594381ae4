from __future__ import annotations

from datetime import timedelta

from apps.events.models import Calendar, Event
from apps.events.sample import create_mock_calendar
from apps.sync.services import sync_now


def test_the_first_sync_of_the_mock_calendar_matches_the_sample_events_from_first_start(db):
    added = create_mock_calendar()
    calendar = Calendar.objects.get(id="mock")
    before = dict(Event.objects.values_list("external_id", "title"))

    run = sync_now(calendar)

    assert run.status == "succeeded", run.errors
    assert run.fetched == added
    assert (run.created, run.updated, run.deleted, run.consumed) == (0, 0, 0, 0)
    assert dict(Event.objects.values_list("external_id", "title")) == before


def test_the_mock_calendar_rolls_forward_on_a_new_day(db, frozen_now):
    create_mock_calendar()
    calendar = Calendar.objects.get(id="mock")
    sync_now(calendar)
    same_day = sync_now(calendar)
    assert (same_day.full, same_day.fetched) == (False, 0)

    frozen_now.shift(timedelta(days=7))
    next_week = sync_now(calendar)

    assert next_week.status == "succeeded" and next_week.full is True
    assert next_week.created > 0
    newest = Event.objects.filter(calendar_id="mock").order_by("-start_time").first()
    assert newest.start_time > calendar.created_at + timedelta(days=21)


def test_local_edits_on_the_mock_calendar_are_not_pushed_anywhere(db):
    from apps.sync.models import PendingPush

    create_mock_calendar()
    event = Event.objects.filter(calendar_id="mock").first()
    event.title = "Edited"
    event.save()
    assert not PendingPush.objects.exists()
