"""Series are kept as series on the event (``Event.recurrence`` + ``EventException``).

Google series were stored as expanded copies; CalDAV and feed series kept their rules and
exceptions on ``EventSyncMeta``. Forgetting the sync tokens makes the next sync of each
calendar a full listing: it stores the masters with their rules and exceptions, and its
reconciliation removes the old copies. CalDAV/feed series also lose their stored etag and
content digest, so that listing rewrites them (their rules move onto the event) even when the
remote entry is unchanged; then the copies on ``EventSyncMeta`` are dropped.
"""

from django.db import migrations


def forget_tokens(apps, schema_editor):
    apps.get_model("sync", "SyncState").objects.exclude(sync_token="").update(sync_token="")
    meta = apps.get_model("sync", "EventSyncMeta")
    event = apps.get_model("events", "Event")
    for calendar_id, external_id in meta.objects.exclude(recurrence=[]).values_list("calendar_id", "external_id"):
        event.objects.filter(calendar_id=calendar_id, external_id=external_id).update(etag="")
        meta.objects.filter(calendar_id=calendar_id, external_id=external_id).update(content_hash="", etag="")


class Migration(migrations.Migration):
    dependencies = [
        ("sync", "0002_remote_series"),
        ("events", "0008_recurrence"),
    ]

    operations = [
        migrations.RunPython(forget_tokens, migrations.RunPython.noop),
        migrations.RemoveField(model_name="eventsyncmeta", name="recurrence"),
        migrations.RemoveField(model_name="eventsyncmeta", name="exceptions"),
    ]
