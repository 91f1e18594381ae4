"""Whitelist entries without a timing keep the v2.1 behaviour: a command at once, no event kept."""

from __future__ import annotations

from datetime import timedelta

from apps.commands.models import ActionFiring, Command
from apps.events.models import Event
from apps.whitelists.models import Whitelist
from tests.actions.conftest import SUNDAY_2AM
from tests.whitelists.factories import allow


def test_an_existing_entry_defaults_to_on_arrival(db):
    entry = allow("N8N", "BACKUP", {"keep": "int"}, [])
    assert (Whitelist.objects.get(pk=entry.pk).fire, entry.fire_offset_minutes) == ("on_arrival", 0)


def test_an_on_arrival_action_becomes_a_command_at_once_and_is_consumed(clock, create_entry):
    allow("N8N", "BACKUP", {"keep": "int"}, [])

    response = create_entry("ACTION: BACKUP N8N keep=3", SUNDAY_2AM, SUNDAY_2AM + timedelta(hours=1))

    command = Command.objects.get()
    assert response.status_code == 202, response.content
    assert response.json() == {"consumed_by": "command_handler", "created": {"type": "command", "id": command.pk}}
    assert (command.command, command.parameters, command.status) == ("BACKUP", {"keep": 3}, "PENDING")
    assert not Event.objects.exists()
    assert not ActionFiring.objects.exists()
