from __future__ import annotations

from django.apps import AppConfig
from django.db.models.signals import post_delete, post_migrate


class EventsConfig(AppConfig):
    name = "apps.events"
    label = "events"

    def ready(self) -> None:
        from apps.audit.registry import register
        from apps.core.bootstrap import fill_sample_data
        from apps.core.health import register as register_health
        from apps.events import schedules, unmanaged  # noqa: F401  (schedules declares periodic tasks)
        from apps.events.entries import note_entry, url_entry
        from apps.events.health import check_search
        from apps.events.models import Calendar, Event, EventException, EventLink, Note, SubTask, UrlPayload
        from apps.events.occurrences import fill_missing, on_exception_deleted
        from apps.events.sample import fill_mock_calendar
        from apps.events.services import store_incoming
        from apps.ingest.prefixed import register_prefix
        from apps.ingest.services import provide_event_store

        register(Calendar, exclude=("password_encrypted",), entity="calendar")
        register(Event, exclude=("duration_seconds", "etag"), entity="event")
        register(SubTask, entity="sub_task")
        register(EventLink, entity="event_link")
        register(Note, entity="note")
        register(UrlPayload, entity="url_payload")
        register_health("search", check_search)
        provide_event_store(store_incoming)
        fill_sample_data.connect(fill_mock_calendar, dispatch_uid="events:mock-calendar")
        register_prefix("NOTIZ", note_entry)
        register_prefix("NOTE", note_entry)
        register_prefix("URL", url_entry)
        # Table rebuilds in later migrations drop triggers: re-create the search objects after every migrate.
        post_migrate.connect(unmanaged.ensure_after_migrate, dispatch_uid="events:search-objects")
        # Stored occurrences follow a deleted exception (saves call apps.events.occurrences themselves).
        post_delete.connect(on_exception_deleted, sender=EventException, dispatch_uid="events:exception-deleted")
        post_migrate.connect(fill_missing, dispatch_uid="events:stored-occurrences")
