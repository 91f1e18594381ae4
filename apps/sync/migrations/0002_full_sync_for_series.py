"""Google series were stored as expanded copies; they are kept as series now.

Forgetting the sync tokens makes the next sync of each calendar a full listing: it stores the
masters with their rules and exceptions, and its reconciliation removes the old copies.
"""

from django.db import migrations


def forget_tokens(apps, schema_editor):
    apps.get_model("sync", "SyncState").objects.exclude(sync_token="").update(sync_token="")


class Migration(migrations.Migration):
    dependencies = [
        ("sync", "0001_initial"),
        ("events", "0007_recurrence"),
    ]

    operations = [migrations.RunPython(forget_tokens, migrations.RunPython.noop)]
