"""Stored idempotency answers become sealed text: some hold a secret shown once."""

from __future__ import annotations

import json

from django.db import migrations, models


def seal_existing(apps, schema_editor):
    from apps.core import crypto

    Record = apps.get_model("core", "IdempotencyRecord")
    for pk, body in Record.objects.exclude(response_body=None).values_list("pk", "response_body").iterator():
        # After the column change the value is the answer's JSON text; "null" is a JSON null.
        if body == "null":
            Record.objects.filter(pk=pk).update(response_body=None)
        else:
            Record.objects.filter(pk=pk).update(response_body=crypto.encrypt(body))


def unseal_existing(apps, schema_editor):
    from apps.core import crypto

    Record = apps.get_model("core", "IdempotencyRecord")
    for pk, body in Record.objects.exclude(response_body=None).values_list("pk", "response_body").iterator():
        try:
            plain = crypto.decrypt(body)
        except crypto.SecretUnreadable:
            Record.objects.filter(pk=pk).delete()
            continue
        json.loads(plain)  # back to a JSON column: it must be JSON
        Record.objects.filter(pk=pk).update(response_body=plain)


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]

    operations = [
        migrations.AlterField(model_name="idempotencyrecord", name="response_body", field=models.TextField(null=True)),
        migrations.RunPython(seal_existing, unseal_existing),
    ]
