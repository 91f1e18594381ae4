"""``ACTION: SEND_EMAIL SMTP …`` is delivered by the built-in e-mail integration and settles its command."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from apps.commands import services as commands
from apps.commands.models import Command
from apps.events.models import Event
from apps.ingest.pipeline import IncomingEvent
from apps.ingest.services import ingest
from apps.integrations.email.models import EmailMessageLog
from apps.templates.models import Template
from tests.fakes.smtp import mail_fixture, smtp_server_fixture  # noqa: F401


@pytest.fixture
def invitation(db):
    return Template.objects.create(
        type="email",
        title="Invitation",
        subject="Reminder: {{event.start_time}}",
        body_html="<p>From {{event.calendar_id}}: {{command.params.to}}</p>",
    )


def _calendar_entry(title: str) -> IncomingEvent:
    start = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
    return IncomingEvent(title=title, start_time=start, end_time=start + timedelta(hours=1), calendar_id="work",
                         source="calendar", external_id="gcal-1")


def test_action_from_a_calendar_title_ends_in_a_sent_message_and_a_completed_command(
    mail, invitation, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        outcome = ingest(_calendar_entry("ACTION: SEND_EMAIL SMTP to=ada@example.com cc=bob@example.com template=Invitation"))

    assert outcome.status == "consumed"
    assert not Event.objects.exists()
    command = Command.objects.get()
    assert command.status == Command.Status.COMPLETED
    log = EmailMessageLog.objects.get(command_id=command.pk)
    assert log.status == "sent"
    assert command.result == {"email_id": log.pk, "message_id": log.message_id, "status": "sent"}
    [received] = mail.messages
    msg = received.parsed
    assert sorted(received.rcpt_tos) == ["ada@example.com", "bob@example.com"]
    assert msg["Subject"] == "Reminder: Mon 3 Mar 2025, 09:00 UTC"
    assert "From work: ada@example.com" in msg.get_body(preferencelist=("html",)).get_content()
    assert msg["Message-ID"] == log.message_id


def test_a_raw_subject_and_body_work_without_a_template(mail, db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        commands.create_command(command="SEND_EMAIL", target_system="SMTP",
                                parameters={"to": "ada@example.com", "subject": "Hello", "body": "Plain words"})

    assert Command.objects.get().status == Command.Status.COMPLETED
    msg = mail.messages[0].parsed
    assert msg["Subject"] == "Hello"
    assert msg.get_body(preferencelist=("plain",)).get_content().strip() == "Plain words"


def test_a_permanent_smtp_refusal_fails_the_command(mail, db, django_capture_on_commit_callbacks):
    Template.objects.create(type="email", title="Note", subject="For {{recipient.email}}", body_text="x")
    mail.fail_next("RCPT", "550 5.1.1 Unknown user")
    with django_capture_on_commit_callbacks(execute=True):
        commands.create_command(command="SEND_EMAIL", target_system="SMTP",
                                parameters={"to": "ghost@example.com", "template": "note"})

    command = Command.objects.get()
    assert command.status == Command.Status.FAILED
    assert "550" in command.last_error and "Unknown user" in command.last_error
    assert EmailMessageLog.objects.get().status == "failed"


def test_an_unknown_template_fails_the_command_with_the_reason(mail, db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        commands.create_command(command="SEND_EMAIL", target_system="SMTP",
                                parameters={"to": "ada@example.com", "template": "Nope"})

    command = Command.objects.get()
    assert command.status == Command.Status.FAILED
    assert "'Nope' does not exist" in command.last_error


def test_a_template_placeholder_without_a_value_fails_the_command(mail, invitation, django_capture_on_commit_callbacks):
    # Created through the API, the command has no calendar entry behind it: {{event.start_time}} has no value.
    with django_capture_on_commit_callbacks(execute=True):
        commands.create_command(command="SEND_EMAIL", target_system="SMTP",
                                parameters={"to": "ada@example.com", "template": "Invitation"})

    command = Command.objects.get()
    assert command.status == Command.Status.FAILED
    assert "{{event.start_time}}" in command.last_error
    assert not EmailMessageLog.objects.exists()
    assert mail.messages == []
