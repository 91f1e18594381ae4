"""Conflicts found for a page in one read equal a pairwise check of every stored event."""

from __future__ import annotations

import random
from datetime import timedelta

from apps.events.models import Event
from apps.events.scheduling.planning import attendee_set, blocks, conflicts_for, conflicts_map
from tests.scheduling.conftest import utc


def _pairwise(page: list[Event], stored: list[Event]) -> dict[int, list[int]]:
    def collide(a: Event, b: Event) -> bool:
        return (a.pk != b.pk and blocks(a) and blocks(b) and a.start_time < b.end_time and b.start_time < a.end_time
                and (a.calendar_id == b.calendar_id or bool(attendee_set(a.attendees) & attendee_set(b.attendees))))

    return {a.pk: sorted(b.pk for b in stored if collide(a, b)) for a in page}


def test_a_page_gets_the_same_conflicts_as_a_pairwise_check(calendar, event):
    rng = random.Random(11)
    cals = [calendar("work"), calendar("home"), calendar("team")]
    people = ["kim@example.com", "Sam@example.com", "robin@example.com"]
    base = utc(2025, 3, 3, 8)
    for _ in range(160):
        start = base + timedelta(minutes=15 * rng.randrange(0, 400))
        length = timedelta(minutes=rng.choice([0, 15, 30, 60, 90, 240, 60 * 30]))
        event(rng.choice(cals), start, start + length, all_day=rng.random() < 0.05,
              status=Event.Status.CANCELLED if rng.random() < 0.1 else Event.Status.SCHEDULED,
              attendees=rng.sample(people, rng.choice([0, 0, 0, 1, 2])))
    stored = list(Event.objects.order_by("start_time", "id"))
    expected = _pairwise(stored, stored)
    assert sum(map(len, expected.values())) > 50
    for first in range(0, len(stored), 37):
        page = stored[first:first + 37]
        assert conflicts_map(page) == {e.pk: expected[e.pk] for e in page}
    for e in stored[::9]:
        assert conflicts_for(e) == expected[e.pk]


def test_an_unsaved_event_collides_with_what_it_overlaps(calendar, event):
    cal = calendar("work")
    stored = event(cal, utc(2025, 3, 3, 9), utc(2025, 3, 4, 9))
    draft = Event(calendar=cal, title="draft", start_time=utc(2025, 3, 4, 8), end_time=utc(2025, 3, 4, 10))
    assert conflicts_for(draft) == [stored.pk]
    assert conflicts_map([draft]) == {}
