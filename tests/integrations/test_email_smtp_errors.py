"""Temporary SMTP answers are retried by the outbox; permanent ones fail the message at once."""

from __future__ import annotations

from apps.integrations import outbox
from apps.integrations.email.models import EmailMessageLog
from apps.integrations.email.sending import send_email
from apps.integrations.models import OutboxMessage
from tests.fakes.smtp import FakeSMTP, configure, mail_fixture, smtp_server_fixture  # noqa: F401


def _queue(capture, **kwargs):
    with capture(execute=True):
        return send_email(to=["ada@example.com"], subject="Hello", text="Body", **kwargs)


def test_a_4xx_answer_is_retried_then_sent(mail, django_capture_on_commit_callbacks):
    mail.fail_next("RCPT", "451 4.3.0 Mailbox busy, try later")

    log = _queue(django_capture_on_commit_callbacks)

    log.refresh_from_db()
    assert log.status == EmailMessageLog.Status.QUEUED
    assert log.attempts == 1
    assert "451" in log.error
    assert mail.messages == []
    row = OutboxMessage.objects.get(pk=log.outbox_message_id)
    assert row.status == OutboxMessage.Status.PENDING

    outbox.sweep(max_seconds=0)

    log.refresh_from_db()
    assert log.status == EmailMessageLog.Status.SENT
    assert log.attempts == 2
    assert log.error == ""
    [received] = mail.messages
    assert received.parsed["Message-ID"] == log.message_id  # the same id as on the first try


def test_a_4xx_on_data_is_retried_too(mail, django_capture_on_commit_callbacks):
    mail.fail_next("DATA", "421 4.7.0 Too many messages, slow down")
    log = _queue(django_capture_on_commit_callbacks)
    outbox.sweep(max_seconds=0)

    log.refresh_from_db()
    assert log.status == "sent"
    assert len(mail.messages) == 1


def test_a_5xx_answer_fails_the_message_at_once(mail, django_capture_on_commit_callbacks):
    mail.fail_next("RCPT", "550 5.1.1 No such user here")

    log = _queue(django_capture_on_commit_callbacks)

    log.refresh_from_db()
    assert log.status == EmailMessageLog.Status.FAILED
    assert log.failed_at is not None
    assert "550" in log.error and "No such user here" in log.error
    row = OutboxMessage.objects.get(pk=log.outbox_message_id)
    assert row.status == OutboxMessage.Status.DEAD
    assert row.attempts == 1
    assert mail.messages == []


def test_an_unreachable_server_is_retried_and_finally_failed(settings, smtp_server, db, django_capture_on_commit_callbacks):
    configure(settings, smtp_server)
    smtp_server.stop()  # nothing listens on the port any more

    log = _queue(django_capture_on_commit_callbacks)
    log.refresh_from_db()
    assert log.status == "queued"
    assert "cannot reach the mail server" in log.error

    outbox.sweep(max_seconds=0)  # second and third attempts (the schedule has three)
    outbox.sweep(max_seconds=0)

    log.refresh_from_db()
    assert log.status == EmailMessageLog.Status.FAILED
    assert log.attempts == 3
    assert "cannot reach the mail server" in log.error


def test_a_dead_message_replayed_from_the_outbox_is_sent(mail, django_capture_on_commit_callbacks):
    mail.fail_next("DATA", "554 5.7.1 Rejected for policy reasons")
    log = _queue(django_capture_on_commit_callbacks)
    log.refresh_from_db()
    assert log.status == "failed"

    with django_capture_on_commit_callbacks(execute=True):
        outbox.retry(message_ids=[log.outbox_message_id])

    log.refresh_from_db()
    assert log.status == "sent"
    assert len(mail.messages) == 1


def test_credentials_from_config_are_used(settings, db, django_capture_on_commit_callbacks):
    server = FakeSMTP(credentials=("mailer", "s3cret")).start()
    try:
        configure(settings, server)
        log = _queue(django_capture_on_commit_callbacks)
    finally:
        server.stop()
    log.refresh_from_db()
    assert log.status == "sent"
    assert server.logins == ["mailer"]
