"""What the SMTP transport puts on the wire: dot-stuffing, reused attachment encodings, socket options."""

from __future__ import annotations

import os
import socket

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.integrations.email.models import EmailAttachment, EmailMessageLog
from apps.integrations.email.sending import send_email
from apps.integrations.transports import email as transport
from tests.fakes.smtp import mail_fixture, smtp_server_fixture  # noqa: F401

REPORT = os.urandom(50_000)


@pytest.fixture(autouse=True)
def empty_encoding_cache():
    transport._encoded_cache.clear()
    yield
    transport._encoded_cache.clear()


def test_lines_starting_with_a_dot_arrive_unchanged(mail, django_capture_on_commit_callbacks):
    body = "first\n.\n..two dots\n.one dot\nlast"
    with django_capture_on_commit_callbacks(execute=True):
        send_email(to=["ada@example.com"], subject="Dots", text=body)

    text = mail.messages[0].parsed.get_body(preferencelist=("plain",)).get_content()
    assert text.replace("\r\n", "\n").rstrip("\n") == body


def _send_report(n: int) -> EmailMessageLog:
    return send_email(
        to=[f"user{n}@example.com"],
        subject=f"Report {n}",
        text="attached",
        attachments=[{"filename": "report.pdf", "content_type": "application/pdf", "content": REPORT}],
    )


def _content_reads(queries) -> int:
    return sum(1 for q in queries if '"content"' in q["sql"] and "integrations_emailattachment" in q["sql"]
               and q["sql"].lstrip().upper().startswith("SELECT"))  # fmt: skip


def test_a_repeated_attachment_is_read_and_encoded_once(mail, django_capture_on_commit_callbacks):
    with CaptureQueriesContext(connection) as queries:
        with django_capture_on_commit_callbacks(execute=True):
            for n in range(3):
                _send_report(n)

    assert _content_reads(queries.captured_queries) == 1
    assert [next(m.parsed.iter_attachments()).get_content() for m in mail.messages] == [REPORT] * 3


def test_an_attachment_without_a_checksum_is_read_every_time(mail, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _send_report(0)
    with CaptureQueriesContext(connection) as queries:
        with django_capture_on_commit_callbacks(execute=True):
            log = _send_report(1)
            # Rows written by other means (or older code) may lack the checksum: never trust the cache then.
            EmailAttachment.objects.filter(email=log).update(sha256="")

    assert _content_reads(queries.captured_queries) == 1
    assert next(mail.messages[1].parsed.iter_attachments()).get_content() == REPORT


def test_a_checksum_names_content_not_a_file(mail, django_capture_on_commit_callbacks):
    other = os.urandom(50_000)
    with django_capture_on_commit_callbacks(execute=True):
        _send_report(0)
        send_email(to=["bob@example.com"], subject="Other", text="x",
                   attachments=[{"filename": "report.pdf", "content_type": "application/pdf", "content": other}])

    assert [next(m.parsed.iter_attachments()).get_content() for m in mail.messages] == [REPORT, other]


def test_each_multipart_gets_its_own_boundary(mail, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _send_report(0)
        _send_report(1)

    boundaries = [part.get_boundary() for m in mail.messages for part in m.parsed.walk() if part.is_multipart()]
    assert len(boundaries) == len(set(boundaries)) == 2
    assert all(b.startswith("===============") for b in boundaries)


def test_the_smtp_session_does_not_wait_for_nagle(mail):
    from chronos.config import current

    backend, _ = transport._connections.get(current().email)
    try:
        backend.open()
        assert backend.connection.sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
    finally:
        transport.close_connections()


def _email_reads(queries) -> int:
    return sum(1 for q in queries if q["sql"].lstrip().upper().startswith("SELECT")
               and ("integrations_emailmessagelog" in q["sql"] or "integrations_emailattachment" in q["sql"]))  # fmt: skip


def test_a_batch_loads_its_e_mails_in_a_fixed_number_of_queries(mail):
    from apps.integrations import outbox

    for n in range(2):
        _send_report(n)
    with CaptureQueriesContext(connection) as small:
        assert outbox.sweep(max_seconds=60) == {"delivered": 2}
    for n in range(2, 8):
        _send_report(n)
    with CaptureQueriesContext(connection) as large:
        assert outbox.sweep(max_seconds=60) == {"delivered": 6}

    # The rows and their attachment lists, one query each; the first batch also read the file once.
    assert _email_reads(small.captured_queries) == 3
    assert _email_reads(large.captured_queries) == 2
    assert [next(m.parsed.iter_attachments()).get_content() for m in mail.messages] == [REPORT] * 8
    assert EmailMessageLog.objects.filter(status="sent").count() == 8


def test_a_failing_batch_preparation_only_costs_the_shortcut(mail, monkeypatch):
    from apps.integrations import outbox

    def broken(self, messages):
        raise RuntimeError("boom")

    monkeypatch.setattr(transport.EmailTransport, "prepare_batch", broken)
    _send_report(0)

    assert outbox.sweep(max_seconds=60) == {"delivered": 1}
    assert len(mail.messages) == 1


def test_a_prepared_row_is_not_used_by_a_later_claim(mail):
    from apps.integrations import outbox
    from apps.integrations.models import OutboxMessage

    log = _send_report(0)
    [claimed] = outbox.claim(limit=10)
    transport.EmailTransport().prepare_batch([claimed])
    # The claim is lost (lease over) and the e-mail went out meanwhile by other means.
    OutboxMessage.objects.filter(pk=claimed.pk).update(status="pending", claim_token=None)
    EmailMessageLog.objects.filter(pk=log.pk).update(status="sent")

    assert outbox.deliver_now(claimed.pk) == "delivered"
    assert mail.messages == []  # read afresh: already sent, nothing sent twice
