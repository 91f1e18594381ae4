from __future__ import annotations

from django.apps import AppConfig


class CommandsConfig(AppConfig):
    name = "apps.commands"
    label = "commands"
    verbose_name = "Commands: the external work queue"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from apps.commands import receivers, schedules  # noqa: F401  (declares the lease sweep)
        from apps.commands.entries import action_entry
        from apps.commands.timed import action_of, run_loop
        from apps.core import loops
        from apps.events.models import Event, EventException
        from apps.events.services import provide_answer_extra
        from apps.ingest.prefixed import register_prefix
        from apps.ingest.services import on_stored
        from apps.whitelists.models import Whitelist

        register_prefix("ACTION", action_entry)
        post_save.connect(receivers.on_event_saved, sender=Event, dispatch_uid="commands:event_saved", weak=False)
        post_delete.connect(receivers.on_event_deleted, sender=Event, dispatch_uid="commands:event_deleted",
                            weak=False)
        post_save.connect(receivers.on_occurrence_changed, sender=EventException,
                          dispatch_uid="commands:occurrence_saved", weak=False)
        post_delete.connect(receivers.on_occurrence_changed, sender=EventException,
                            dispatch_uid="commands:occurrence_deleted", weak=False)
        post_save.connect(receivers.on_whitelist_saved, sender=Whitelist, dispatch_uid="commands:whitelist_saved",
                          weak=False)
        on_stored(receivers.on_events_stored)
        loops.register("actions", run_loop)
        provide_answer_extra(action_of)
