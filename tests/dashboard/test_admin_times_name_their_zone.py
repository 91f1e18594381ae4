"""Date-times the admin prints outside the event pages say which zone they are in."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from apps.commands.models import Command
from apps.commands.services import create_command
from tests.whitelists.factories import allow

pytestmark = pytest.mark.django_db


def test_a_commands_times_and_its_audit_trail_are_shown_with_their_zone(admin_client):
    allow("N8N", "PING", {}, [])
    command = create_command(command="PING", target_system="N8N", parameters={})
    Command.objects.filter(pk=command.pk).update(created_at=datetime(2026, 12, 6, 22, 41, tzinfo=UTC))
    page = admin_client.get(f"/admin/commands/command/{command.pk}/change/").content.decode()
    assert "Sun 06 Dec 2026 22:41 UTC" in page
    assert re.search(r"<td>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC</td>", page), "the audit trail's time names no zone"
    assert "p.m." not in page and "a.m." not in page
