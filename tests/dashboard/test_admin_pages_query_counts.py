"""Every admin list and the main detail pages issue a fixed number of SQL statements, whatever the
row count (the netbox habit: a query-count baseline per page)."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.backups.models import Backup
from apps.commands.models import Command
from apps.commands.services import create_command
from apps.events.models import Calendar, Event, Note, SubTask
from apps.integrations.email.models import EmailMessageLog
from apps.integrations.models import OutboxMessage, WebhookEndpoint
from apps.templates.models import Template
from apps.workflows.models import Workflow
from tests.whitelists.factories import allow

pytestmark = pytest.mark.django_db
# No admin page may issue more statements than this, however many rows it shows.
CEILING = 40
_serial = itertools.count()


def fill(n: int) -> None:
    """``n`` more rows of everything a person sees in lists: commands, entries, messages, backups …"""
    allow("N8N", "PING", {"n": "int"}, [])
    berlin, _ = Calendar.objects.get_or_create(id="b", defaults={"name": "Berlin", "timezone": "Europe/Berlin"})
    start = datetime(2099, 12, 7, 7, 0, tzinfo=UTC)
    for _ in range(n):
        i = next(_serial)
        allow(f"SYS{i}", "ACT", {"x": "string"}, [])
        create_command(command="PING", target_system="N8N", parameters={"n": i})
        # Overlapping pairs: every entry has a conflict to list.
        event = Event.objects.create(calendar=berlin, title=f"E{i}", start_time=start + timedelta(hours=i // 2),
                                     end_time=start + timedelta(hours=i // 2, minutes=45), timezone="Europe/Berlin")
        SubTask.objects.create(event=event, text=f"item {i}", position=i, completed=bool(i % 2))
        Note.objects.create(calendar=berlin, content=f"note {i}", title=f"N{i}")
        Workflow.objects.create(name=f"W{i}", trigger_system="N8N", trigger_command="PING", follow_up_system=f"SYS{i}",
                                follow_up_command="ACT", follow_up_params={"x": "{{command.id}}"})
        Template.objects.create(type="email", title=f"T{i}", subject="Hi {{event.title}}", body_text="x")
        WebhookEndpoint.objects.create(name=f"hook{i}", url=f"http://127.0.0.1:9/{i}", target_system="N8N")
        OutboxMessage.objects.create(transport="webhook", event_type="x", status=OutboxMessage.Status.DEAD)
        EmailMessageLog.objects.create(to=[f"a{i}@example.com"], from_email="c@example.com", subject=f"S{i}",
                                       message_id=f"<{i}@example.com>", status="failed", error="refused")
        Backup.objects.create(name=f"b{i}", created_at=start - timedelta(days=i), status="ok", size=10)


def count(client, url: str) -> int:
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured)


def pages() -> dict[str, str]:
    """Every registered list, plus the detail pages people work in (of the newest row)."""
    urls = {"dashboard": "/admin/", "calendar": "/admin/calendar/?calendar=b",
            "integrations": "/admin/integrations-status/", "add command": "/admin/commands/command/add/",
            "calendar week": "/admin/calendar/events.json?calendar=b&start=2099-12-07T00:00:00Z"
                             "&end=2099-12-14T00:00:00Z"}
    for model in admin.site._registry:
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        urls[url] = url
    for model in (Command, Event, Workflow, Template, Backup, EmailMessageLog, WebhookEndpoint):
        latest = model.objects.order_by("-pk").values_list("pk", flat=True).first()
        urls[f"{model._meta.label} change"] = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_change",
                                                      args=[latest])
    return urls


def test_no_admin_page_costs_more_queries_with_more_rows(root):
    fill(3)
    small = {name: count(root, url) for name, url in pages().items()}
    fill(30)
    big = {name: count(root, url) for name, url in pages().items()}
    grew = {name: (small[name], n) for name, n in big.items() if n != small[name]}
    assert not grew, grew
    assert max(big.values()) <= CEILING, sorted(big.items(), key=lambda kv: -kv[1])[:5]
    assert Command.objects.count() == 33
