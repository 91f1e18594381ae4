"""Date-times the admin prints outside the event pages say which zone they are in."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from apps.commands.models import Command

pytestmark = pytest.mark.django_db


def test_a_commands_times_are_shown_with_their_zone(admin_client):
    command = Command.objects.create(command="PING", target_system="N8N", parameters={})
    Command.objects.filter(pk=command.pk).update(created_at=datetime(2026, 12, 6, 22, 41, tzinfo=UTC))
    page = admin_client.get(f"/admin/commands/command/{command.pk}/change/").content.decode()
    assert "Sun 06 Dec 2026 22:41 UTC" in page
    assert "p.m." not in page
