from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from apps.audit.models import AuditEntry
from apps.commands.models import Command
from apps.integrations.models import OutboxMessage

URL = "/api/v1/integrations/telegram/webhook"
_ids = iter(range(1000, 10**6))


def update(text: str, *, chat_id: int = 4242, update_id: int | None = None) -> dict:
    return {"update_id": update_id if update_id is not None else next(_ids),
            "message": {"message_id": 11, "date": 1700000000, "chat": {"id": chat_id, "type": "private"},
                        "from": {"id": chat_id, "is_bot": False, "first_name": "Ada"}, "text": text}}


@pytest.fixture
def send(django_capture_on_commit_callbacks):
    """POST an update like Telegram does; replies queued on commit are delivered to the fake."""

    def post(payload: dict, *, secret: str | None = "s3cret-token"):
        headers = {"HTTP_X_TELEGRAM_BOT_API_SECRET_TOKEN": secret} if secret is not None else {}
        with django_capture_on_commit_callbacks(execute=True):
            return APIClient().post(URL, payload, format="json", **headers)

    return post


@pytest.mark.parametrize("secret", [None, "", "wrong", "s3cret-token-but-longer"])
def test_a_missing_or_wrong_secret_token_is_401(telegram_bot, secret, send):
    response = send(update("NOTIZ: hi"), secret=secret)
    assert response.status_code == 401
    assert "detail" in response.json()
    assert OutboxMessage.objects.count() == 0


def test_an_action_message_becomes_a_command_and_the_bot_replies(telegram_bot, whitelisted, send):
    response = send(update("ACTION: SEND_EMAIL N8N to=ada@example.com subject='Hello there'"))
    assert response.status_code == 200
    command = Command.objects.get()
    assert (command.command, command.target_system) == ("SEND_EMAIL", "N8N")
    assert command.parameters == {"to": "ada@example.com", "subject": "Hello there"}
    assert telegram_bot.sent == [{"chat_id": 4242, "text": f"Command #{command.pk} queued.",
                                  "reply_parameters": {"message_id": 11, "allow_sending_without_reply": True}}]


def test_a_refused_action_is_answered_with_the_exact_reason(telegram_bot, whitelisted, send):
    send(update("ACTION: DELETE_ALL N8N"))
    assert Command.objects.count() == 0
    [reply] = telegram_bot.sent
    assert reply["text"].startswith("Rejected: ")
    assert "DELETE_ALL" in reply["text"]


def test_an_event_message_creates_an_event(telegram_bot, send):
    from apps.events.models import Event

    send(update("EVENT: Dentist @ 2030-05-04T09:30:00+02:00 45m"))
    event = Event.objects.get()
    assert event.title == "Dentist"
    assert event.calendar_id == "telegram"
    assert event.start_time.isoformat() == "2030-05-04T07:30:00+00:00"
    assert (event.end_time - event.start_time).total_seconds() == 45 * 60
    assert telegram_bot.sent[0]["text"].startswith(f"Event #{event.pk} created: Dentist")


def test_a_malformed_event_message_is_answered_with_the_syntax(telegram_bot, send):
    send(update("EVENT: Dentist tomorrow"))
    assert telegram_bot.sent[0]["text"] == "Rejected: expected EVENT: <title> @ <ISO datetime> [<minutes>m]"


def test_a_duplicate_update_is_ignored(telegram_bot, whitelisted, send):
    payload = update("ACTION: SEND_EMAIL N8N to=ada@example.com", update_id=77)
    assert send(payload).json()["outcome"] == "answered"
    assert send(payload).json()["outcome"] == "duplicate"
    assert Command.objects.count() == 1
    assert len(telegram_bot.sent) == 1


def test_a_chat_not_on_the_allow_list_is_ignored_and_audited(telegram_bot, whitelisted, send):
    response = send(update("ACTION: SEND_EMAIL N8N to=ada@example.com", chat_id=-1001234567890123))
    assert response.status_code == 200
    assert response.json()["outcome"] == "ignored"
    assert Command.objects.count() == 0
    assert telegram_bot.sent == []
    entry = AuditEntry.objects.get(action="telegram.ignored")
    assert entry.entity_id == "-1001234567890123"


def test_other_text_gets_the_help(telegram_bot, send):
    send(update("hello bot"))
    assert "EVENT: <title> @ <ISO datetime>" in telegram_bot.sent[0]["text"]


def test_an_update_without_update_id_is_400(telegram_bot, send):
    response = send({"message": {"text": "x"}})
    assert response.status_code == 400
