from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from apps.audit.models import AuditEntry
from apps.events.models import Event
from apps.integrations.models import OutboxMessage

URL = "/api/v1/integrations/telegram/webhook"
HEADERS = {"HTTP_X_TELEGRAM_BOT_API_SECRET_TOKEN": "s3cret-token"}


def post(payload: dict):
    return APIClient().post(URL, payload, format="json", **HEADERS)


@pytest.mark.parametrize("chat", ["x", None, 5, ["id", 4242]])
def test_an_update_with_a_malformed_chat_is_acknowledged_and_ignored_with_an_audit_entry(telegram_bot, chat):
    response = post({"update_id": 77, "message": {"message_id": 1, "chat": chat, "text": "NOTIZ: hi"}})
    assert response.status_code == 200
    assert response.json()["outcome"] == "ignored"
    entry = AuditEntry.objects.get(action="telegram.ignored")
    assert entry.changes["reason"] == [None, "no chat id"]
    assert OutboxMessage.objects.count() == 0


@pytest.mark.parametrize("text", ["EVENT: x @ 9999-12-31T23:30 60m", "EVENT: x @ 0001-01-01T00:10+01:00 5m"])
def test_an_event_outside_the_date_range_is_answered_rejected(telegram_bot, text, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = post({"update_id": 78, "message": {"message_id": 2, "chat": {"id": 4242}, "text": text}})
    assert response.status_code == 200
    assert Event.objects.count() == 0
    [reply] = telegram_bot.sent
    assert reply["text"].startswith("Rejected: ")
    assert "outside the supported date range" in reply["text"]
