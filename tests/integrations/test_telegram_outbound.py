from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.db import transaction
from django.utils import timezone

from apps.commands.services import claim, complete, create_command
from apps.integrations import outbox
from apps.integrations.models import OutboxMessage


@pytest.fixture
def processing(whitelisted, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        command = create_command(command="SEND_EMAIL", target_system="N8N", parameters={"to": "a@example.com"})
        claim(system="N8N", limit=1)
    return command


def test_completing_a_command_notifies_the_configured_chats(telegram_bot, processing,
                                                              django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        complete(command_id=processing.pk, result={"ok": True})
    assert telegram_bot.sent == [
        {"chat_id": 4242, "text": f"✅ Command SEND_EMAIL on N8N completed (#{processing.pk})."}
    ]


def test_the_notification_text_comes_from_the_configured_template(settings, telegram_bot, processing,
                                                                   django_capture_on_commit_callbacks):
    chronos = dict(settings.CHRONOS)
    chronos["telegram"] = {**chronos["telegram"], "templates": {"command.completed": "Done: {{command}} #{{id}}"}}
    settings.CHRONOS = chronos
    with django_capture_on_commit_callbacks(execute=True):
        complete(command_id=processing.pk, result={})
    assert telegram_bot.sent[-1]["text"] == f"Done: SEND_EMAIL #{processing.pk}"


def test_a_429_retry_after_is_honoured(telegram_bot, no_jitter):
    telegram_bot.fail_next("sendMessage", 429, retry_after=7)
    with time_machine.travel(timezone.now(), tick=False) as clock:
        message = outbox.enqueue(transport="telegram", event_type="x", payload={"text": "hi"},
                                 target={"chat_id": 4242})
        outbox.sweep(max_seconds=5)
        message.refresh_from_db()
        assert message.status == OutboxMessage.Status.PENDING
        assert message.last_status_code == 429
        assert (message.next_attempt_at - timezone.now()).total_seconds() == 7
        clock.shift(timedelta(seconds=6))
        assert outbox.sweep(max_seconds=5) == {}
        clock.shift(timedelta(seconds=1))
        assert outbox.sweep(max_seconds=5) == {"delivered": 1}
    assert telegram_bot.sent == [{"chat_id": 4242, "text": "hi"}]


@pytest.mark.parametrize(("status", "description"), [(403, "Forbidden: bot was blocked by the user"),
                                                     (400, "Bad Request: chat not found")])
def test_blocked_or_unknown_chats_are_permanent(telegram_bot, status, description):
    telegram_bot.fail_next("sendMessage", status, description=description)
    message = outbox.enqueue(transport="telegram", event_type="x", payload={"text": "hi"}, target={"chat_id": 1})
    outbox.sweep(max_seconds=5)
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.DEAD
    assert description in message.last_error
    assert len(telegram_bot.calls_of("sendMessage")) == 1


def test_set_webhook_registers_the_url_with_the_secret(telegram_bot):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("telegram_set_webhook", "https://chronos.example.com/api/v1/integrations/telegram/webhook",
                 stdout=out)
    assert telegram_bot.webhook["url"] == "https://chronos.example.com/api/v1/integrations/telegram/webhook"
    assert telegram_bot.webhook["secret_token"] == "s3cret-token"
    assert "@chronos_test_bot" in out.getvalue()


def test_the_fake_accepts_form_encoded_bodies(telegram_bot):
    import requests

    response = requests.post(f"{telegram_bot.base_url}/bot{telegram_bot.token}/sendMessage",
                             data={"chat_id": "5", "text": "form"}, timeout=5)
    assert response.json()["ok"] is True
    assert telegram_bot.sent[-1] == {"chat_id": 5, "text": "form"}
