"""Ship a useful starting whitelist (documented in docs/commands.md); never overwrite edits."""

from __future__ import annotations

from django.db import migrations

DEFAULTS = [
    ("N8N", "TRIGGER_WORKFLOW", {"workflow": "string", "payload": "string", "priority": "int"}, ["workflow"],
     "Start an n8n workflow by name"),
    ("N8N", "SEND_REPORT", {"report": "string", "to": "email", "since": "datetime"}, ["report"],
     "Ask n8n to build and send a report"),
    ("N8N", "FETCH_URL", {"url": "url", "store": "bool"}, ["url"], "Fetch a URL through n8n"),
    ("TELEGRAM", "SEND_MESSAGE", {"chat_id": "int", "text": "string", "silent": "bool"}, ["text"],
     "Send a Telegram message (default chat when chat_id is missing)"),
    ("SMTP", "SEND_EMAIL", {"to": "email", "cc": "email", "subject": "string", "template": "string",
                            "body": "string"}, ["to"], "Send an e-mail, optionally from a template"),
]


def add_defaults(apps, schema_editor):
    Whitelist = apps.get_model("whitelists", "Whitelist")
    for system, action, allowed, required, description in DEFAULTS:
        Whitelist.objects.get_or_create(
            system=system,
            action=action,
            defaults={"allowed_params": allowed, "required_params": required, "enabled": True,
                      "description": description},
        )


def remove_defaults(apps, schema_editor):
    Whitelist = apps.get_model("whitelists", "Whitelist")
    for system, action, *_ in DEFAULTS:
        Whitelist.objects.filter(system=system, action=action).delete()


class Migration(migrations.Migration):
    dependencies = [("whitelists", "0001_initial")]
    operations = [migrations.RunPython(add_defaults, remove_defaults)]
