"""factory-boy factories for the events app."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import factory

from apps.events.models import Calendar, Event, EventLink, Note, SubTask, UrlPayload


class CalendarFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Calendar
        django_get_or_create = ("id",)

    id = factory.Sequence(lambda n: f"cal-{n}")
    name = factory.LazyAttribute(lambda o: o.id.title())
    timezone = "UTC"


class EventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Event

    calendar = factory.SubFactory(CalendarFactory)
    title = factory.Sequence(lambda n: f"Event {n}")
    start_time = factory.LazyFunction(lambda: datetime(2025, 3, 10, 9, 0, tzinfo=UTC))
    end_time = factory.LazyAttribute(lambda o: o.start_time + timedelta(hours=1))
    timezone = "UTC"


class SubTaskFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SubTask

    event = factory.SubFactory(EventFactory)
    text = factory.Sequence(lambda n: f"Step {n}")
    position = factory.Sequence(lambda n: n)


class EventLinkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EventLink

    source = factory.SubFactory(EventFactory)
    target = factory.SubFactory(EventFactory)
    link_type = "related"


class NoteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Note

    content = factory.Sequence(lambda n: f"Note {n}")


class UrlPayloadFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = UrlPayload

    url = factory.Sequence(lambda n: f"https://example.com/{n}")
