from __future__ import annotations

import logging

import pytest

from apps.commands.models import Command
from apps.commands.services import claim, complete, create_command


@pytest.fixture
def processing(whitelisted, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        command = create_command(command="SEND_EMAIL", target_system="N8N", parameters={"to": "a@example.com"})
        claim(system="N8N", limit=1)
    return command


@pytest.mark.parametrize("template", ["Done: {{no_such_key}}", "Done: {{ 1 bad }}"])
def test_completing_still_succeeds_and_the_chat_gets_the_generic_text(settings, telegram_bot, processing, template,
                                                                        django_capture_on_commit_callbacks, caplog):
    chronos = dict(settings.CHRONOS)
    chronos["telegram"] = {**chronos["telegram"], "templates": {"command.completed": template}}
    settings.CHRONOS = chronos
    with caplog.at_level(logging.WARNING), django_capture_on_commit_callbacks(execute=True):
        complete(command_id=processing.pk, result={})
    assert Command.objects.get(pk=processing.pk).status == "COMPLETED"
    assert telegram_bot.sent[-1]["text"] == f"command.completed: {processing.pk}"
    assert "telegram template for command.completed" in caplog.text
