"""Signal receivers that turn local Event changes into pending pushes (Google and CalDAV calendars).

Changes applied by the sync itself run inside :func:`apps.sync.origin.remote_changes` and are
skipped here, so a pulled change is never echoed back.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.db.models.signals import post_delete, post_save

from apps.events.models import Calendar, Event, EventException
from apps.sync.origin import applying_remote


def on_event_saved(sender, instance: Event, created: bool, raw: bool = False, **kwargs) -> None:
    if raw or applying_remote():
        return
    from apps.sync.push import record_saved

    record_saved(instance, created=created)


def on_event_deleted(sender, instance: Event, origin=None, **kwargs) -> None:
    if applying_remote():
        return
    # Deleting a calendar row in Chronos stops syncing it; it must not empty the Google calendar.
    if isinstance(origin, Calendar) or (isinstance(origin, QuerySet) and origin.model is Calendar):
        return
    from apps.sync.push import record_deleted

    record_deleted(instance)


def on_exception_saved(sender, instance: EventException, created: bool, raw: bool = False, **kwargs) -> None:
    if raw or applying_remote():
        return
    from apps.sync.push import record_occurrence

    record_occurrence(instance)


def connect() -> None:
    post_save.connect(on_exception_saved, sender=EventException, dispatch_uid="sync:exception_saved", weak=False)
    post_save.connect(on_event_saved, sender=Event, dispatch_uid="sync:event_saved", weak=False)
    post_delete.connect(on_event_deleted, sender=Event, dispatch_uid="sync:event_deleted", weak=False)
