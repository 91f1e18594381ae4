"""Deterministic, realistic sample events for the built-in mock calendar."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

from apps.events.models import Calendar, Event

TITLES = [
    ("Team stand-up", "meeting", 15, ["team"]),
    ("Sprint planning", "meeting", 90, ["team", "planning"]),
    ("1:1 with Alex", "meeting", 30, ["people"]),
    ("Customer call: Acme GmbH", "appointment", 45, ["customer"]),
    ("Review pull requests", "task", 60, ["engineering"]),
    ("Write quarterly report", "task", 120, ["reporting"]),
    ("Dentist", "appointment", 60, ["private"]),
    ("Focus time", "block", 120, ["focus"]),
    ("Invoice run", "task", 45, ["finance"]),
    ("Architecture review", "meeting", 60, ["engineering"]),
    ("Lunch with Sam", "appointment", 60, ["private"]),
    ("Backup restore drill", "task", 30, ["ops"]),
]
PEOPLE = ["alex@example.com", "sam@example.com", "kim@example.com", "robin@example.com"]


@dataclass
class SampleEvent:
    external_id: str
    title: str
    event_type: str
    start: datetime
    end: datetime
    tags: list[str]
    attendees: list[str] = field(default_factory=list)
    all_day: bool = False
    start_date: date | None = None
    end_date: date | None = None
    location: str = ""
    description: str = ""


def generate(*, around: date, days_back: int = 7, days_ahead: int = 21, tz: str = "Europe/Berlin",
             seed: int = 42) -> list[SampleEvent]:
    """A working-week pattern around ``around``: stand-ups, meetings, tasks, one all-day event a week."""
    rng = random.Random(seed)
    zone = ZoneInfo(tz)
    events: list[SampleEvent] = []
    for offset in range(-days_back, days_ahead):
        day = around + timedelta(days=offset)
        if day.weekday() >= 5:
            continue
        standup = datetime.combine(day, time(9, 30), zone)
        events.append(SampleEvent(f"mock-{day:%Y%m%d}-standup", "Team stand-up", "meeting", standup,
                                  standup + timedelta(minutes=15), ["team"], PEOPLE[:3], location="Room 1"))
        slot = datetime.combine(day, time(10, 0), zone)
        for n in range(rng.randint(1, 3)):
            title, kind, minutes, tags = TITLES[rng.randrange(1, len(TITLES))]
            slot += timedelta(minutes=rng.choice([0, 30, 60]))
            end = slot + timedelta(minutes=minutes)
            attendees = rng.sample(PEOPLE, rng.randint(0, 2)) if kind == "meeting" else []
            events.append(SampleEvent(f"mock-{day:%Y%m%d}-{n}", title, kind, slot, end, list(tags), attendees,
                                      description=f"Sample entry from the mock calendar ({kind})."))
            slot = end
        if day.weekday() == 4:
            events.append(SampleEvent(f"mock-{day:%Y%m%d}-allday", "Release day", "reminder",
                                      datetime.combine(day, time.min, zone),
                                      datetime.combine(day + timedelta(days=1), time.min, zone),
                                      ["release"], all_day=True, start_date=day, end_date=day + timedelta(days=1)))
    return events


def create_mock_calendar() -> int:
    """Create the ``mock`` calendar with sample events; returns how many events were added."""
    calendar, created = Calendar.objects.get_or_create(
        id="mock", defaults={"name": "Mock calendar (sample data)", "source": Calendar.Source.MOCK,
                             "timezone": "Europe/Berlin"}
    )
    if not created or calendar.events.exists():
        return 0
    rows = []
    for item in generate(around=timezone.localdate(), tz=calendar.timezone):
        rows.append(Event(calendar=calendar, external_id=item.external_id, title=item.title,
                          event_type=item.event_type, start_time=item.start, end_time=item.end,
                          tags=item.tags, attendees=item.attendees, all_day=item.all_day,
                          start_date=item.start_date, end_date=item.end_date, location=item.location,
                          description=item.description, timezone=calendar.timezone,
                          duration_seconds=int((item.end - item.start).total_seconds())))
    Event.objects.bulk_create(rows)
    return len(rows)


def fill_mock_calendar(sender, **kwargs) -> int:
    """First start: the mock calendar and its sample events (receiver of the bootstrap signal)."""
    return create_mock_calendar()
