"""Model signals that keep the firings of timed entries in line with their events.

Saving an event (API, admin) reschedules it when it is, or was, a timed ``ACTION:`` entry;
deleting it cancels what has not fired. The calendar sync writes rows without signals and
reports them through ``apps.ingest.services.notify_stored`` instead.
"""

from __future__ import annotations

from apps.events.models import Event
from apps.ingest.prefixed import split_prefix


def on_event_saved(sender, instance: Event, created: bool, raw: bool = False, **kwargs) -> None:
    if raw:
        return
    from apps.commands.timed import planned, schedule_event

    found = split_prefix(instance.title)
    if found is not None and found[0] == "ACTION":
        schedule_event(instance)
    elif not created and planned([instance.pk]):
        schedule_event(instance)  # no longer an ACTION: cancels what was scheduled


def on_occurrence_changed(sender, instance, raw: bool = False, **kwargs) -> None:
    """A moved, changed or cancelled occurrence of a series (an EventException) re-plans the
    series' firings, as a change of the series itself does."""
    if raw:
        return
    from apps.commands.timed import planned, schedule_event

    if not planned([instance.series_id]):
        return  # not a timed entry: nothing to re-plan (ordinary series cost one indexed lookup)
    series = Event.objects.filter(pk=instance.series_id).first()
    if series is not None:
        schedule_event(series)


def on_event_deleted(sender, instance: Event, **kwargs) -> None:
    # Only an ACTION entry can have firings to cancel: a retitled one was re-planned (cancelled)
    # when the new title was saved. So deleting a calendar of ordinary entries costs nothing here.
    found = split_prefix(instance.title)
    if found is None or found[0] != "ACTION":
        return
    from apps.commands.timed import cancel_event

    cancel_event(instance.pk, note="the entry was deleted")


def on_events_stored(event_ids: list[int]) -> None:
    from apps.commands.timed import schedule_events

    schedule_events(event_ids)


def on_whitelist_saved(sender, instance, raw: bool = False, **kwargs) -> None:
    """A changed timing, parameter list or switch re-plans the entries that fire this command."""
    if raw:
        return
    from apps.commands.timed import replan_command

    replan_command(system=instance.system, action=instance.action)
