"""POST /api/v1/email/send and GET /api/v1/email/{id}: validation, 202, idempotency, delivery state."""

from __future__ import annotations

import base64

import pytest

from apps.integrations.email.models import EmailMessageLog
from apps.integrations.models import OutboxMessage
from apps.templates.models import Template
from tests.fakes.smtp import mail_fixture, smtp_server_fixture  # noqa: F401

URL = "/api/v1/email/send"
CSV = "a;b\nc\r\ncafé\r".encode()


@pytest.fixture
def client(api):
    return api(scopes=["integrations.manage"])


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def test_send_answers_202_and_the_message_is_delivered(client, mail, django_capture_on_commit_callbacks):
    body = {
        "subject": "Hi {{user.name}}",
        "html": "<p>{{user.name}}</p>",
        "to": ["ada@example.com"],
        "cc": ["cc@example.com"],
        "reply_to": "r@example.org",
        "priority": "high",
        "context": {"user": {"name": "Ada"}},
        "attachments": [{"filename": "ä.csv", "content_type": "text/csv", "content_base64": _b64(CSV)}],
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(URL, body, format="json")

    assert response.status_code == 202, response.content
    email_id = response.json()["email_id"]
    detail = client.get(f"/api/v1/email/{email_id}").json()
    assert detail["status"] == "sent"
    assert detail["error"] == ""
    msg = mail.messages[0].parsed
    assert detail["message_id"] == msg["Message-ID"]
    assert msg["Subject"] == "Hi Ada"
    [attachment] = list(msg.iter_attachments())
    assert attachment.get_filename() == "ä.csv"
    assert attachment.get_payload(decode=True) == CSV  # line endings untouched


def test_send_from_a_template(client, mail, django_capture_on_commit_callbacks):
    template = Template.objects.create(type="email", title="T", subject="About {{event.title}}", body_text="x")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(URL, {"template_id": template.pk, "to": ["a@example.com"],
                                     "context": {"event": {"title": "Plan"}}}, format="json")
    assert response.status_code == 202
    log = EmailMessageLog.objects.get(pk=response.json()["email_id"])
    assert log.template_id == template.pk and log.template_name == "T"
    assert mail.messages[0].parsed["Subject"] == "About Plan"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"subject": "s", "text": "t"}, "to"),
        ({"to": ["not-an-address"], "subject": "s", "text": "t"}, "to"),
        ({"to": ["a@example.com"], "cc": ["bad@"], "subject": "s", "text": "t"}, "cc"),
        ({"to": ["a@example.com"], "text": "t"}, "subject"),
        ({"to": ["a@example.com"], "subject": "s"}, "html"),
        ({"to": ["a@example.com"], "subject": "s", "text": "t", "priority": "urgent"}, "priority"),
        ({"to": ["a@example.com"], "template_id": 999999}, "template_id"),
        ({"to": ["a@example.com"], "subject": "{{user.name}}", "text": "t"}, "context"),
        ({"to": ["a@example.com"], "subject": "{{settings.SECRET_KEY}}", "text": "t",
          "context": {"settings": {"SECRET_KEY": "x"}}}, "context"),
        ({"to": ["a@example.com"], "subject": "s", "text": "t",
          "attachments": [{"filename": "a.txt", "content_base64": "%%%"}]}, "attachments[0]"),
        ({"to": ["a@example.com"], "subject": "s", "text": "t",
          "attachments": [{"filename": "run.exe", "content_base64": _b64(b"MZ")}]}, "attachments[0]"),
        ({"to": ["a@example.com"], "subject": "s", "text": "t",
          "attachments": [{"filename": "../etc/passwd", "content_base64": _b64(b"x")}]}, "attachments[0]"),
        ({"to": ["a@example.com"], "subject": "s", "text": "t",
          "attachments": [{"filename": "x.bin", "content_type": "application/x-msdownload",
                           "content_base64": _b64(b"x")}]}, "attachments[0]"),
    ],
)
def test_bad_input_is_a_400_naming_the_field_and_writes_nothing(client, body, field):
    response = client.post(URL, body, format="json")

    assert response.status_code == 400, response.content
    data = response.json()
    assert "detail" in data
    assert field in data, data
    assert EmailMessageLog.objects.count() == 0
    assert OutboxMessage.objects.count() == 0


def test_attachment_size_limit_comes_from_config(client, settings):
    settings.CHRONOS = {**settings.CHRONOS, "email": {"max_attachment_bytes": 10}}
    response = client.post(URL, {"to": ["a@example.com"], "subject": "s", "text": "t",
                                 "attachments": [{"filename": "a.txt", "content_base64": _b64(b"x" * 11)}]},
                           format="json")
    assert response.status_code == 400
    assert "Larger than 10 bytes" in response.json()["attachments[0]"][0]


def test_idempotency_key_queues_once(client, db):
    body = {"to": ["a@example.com"], "subject": "s", "text": "t"}
    first = client.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    second = client.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")

    assert first.status_code == second.status_code == 202
    assert first.json() == second.json()
    assert second["Idempotent-Replayed"] == "true"
    assert EmailMessageLog.objects.count() == 1


def test_scope_is_required(api):
    reader = api(scopes=["events.read"])
    assert reader.post(URL, {"to": ["a@example.com"], "subject": "s", "text": "t"}, format="json").status_code == 403
    assert reader.get("/api/v1/email/1").status_code == 403


def test_unknown_email_is_404(client):
    assert client.get("/api/v1/email/424242").status_code == 404
