"""A templated e-mail reaches a real SMTP server with both alternatives, headers and attachments intact."""

from __future__ import annotations

import os

import pytest

from apps.integrations.email.models import EmailMessageLog
from apps.integrations.email.sending import send_email
from apps.templates.models import Template
from tests.fakes.smtp import mail_fixture, smtp_server_fixture  # noqa: F401


@pytest.fixture
def template(db):
    return Template.objects.create(
        type="email",
        title="Invitation",
        subject="Invitation: {{event.title}}",
        body_html="<h1>{{event.title}}</h1><p>Dear {{user.name}}, see <a href=\"https://example.org/e/{{event.id}}\">details</a>.</p>",
        body_text="",
    )


def _send(template, **overrides):
    kwargs = dict(
        to=["ada@example.com"],
        cc=["cc@example.com"],
        bcc=["hidden@example.com"],
        reply_to="replies@example.org",
        priority="high",
        from_name="Chronos Planner",
        template=template,
        context={"event": {"title": "<script>alert('x')</script> & more", "id": 5}, "user": {"name": "Ada"}},
        attachments=[
            {"filename": "agenda.pdf", "content_type": "application/pdf", "content": PDF},
            {"filename": "photo.png", "content_type": "image/png", "content": PNG},
        ],
    )
    kwargs.update(overrides)
    return send_email(**kwargs)


PDF = b"%PDF-1.4\n" + os.urandom(30_000) + b"\n%%EOF\r\n"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40


def test_subject_alternatives_and_escaping(mail, template, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        log = _send(template)

    log.refresh_from_db()
    assert log.status == EmailMessageLog.Status.SENT
    assert log.attempts == 1
    [received] = mail.messages
    msg = received.parsed
    assert msg["Subject"] == "Invitation: <script>alert('x')</script> & more"
    html = msg.get_body(preferencelist=("html",)).get_content()
    text = msg.get_body(preferencelist=("plain",)).get_content()
    assert "<script>" not in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; more" in html
    # The text part was derived from the HTML: readable, link kept, the title unescaped.
    assert "<script>alert('x')</script> & more" in text
    assert "[details](https://example.org/e/5)" in text
    assert msg.get_content_type() == "multipart/mixed"


def test_attachments_arrive_byte_identical(mail, template, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _send(template)

    msg = mail.messages[0].parsed
    files = {part.get_filename(): part for part in msg.iter_attachments()}
    assert files["agenda.pdf"].get_content_type() == "application/pdf"
    assert files["agenda.pdf"].get_content() == PDF
    assert files["photo.png"].get_content() == PNG


def test_envelope_and_headers(mail, template, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        log = _send(template)

    log.refresh_from_db()
    received = mail.messages[0]
    msg = received.parsed
    assert received.mail_from == "chronos@example.org"
    assert sorted(received.rcpt_tos) == ["ada@example.com", "cc@example.com", "hidden@example.com"]
    assert msg["To"] == "ada@example.com"
    assert msg["Cc"] == "cc@example.com"
    assert msg["Bcc"] is None  # bcc only in the envelope
    assert msg["Reply-To"] == "replies@example.org"
    assert msg["From"] == "Chronos Planner <chronos@example.org>"
    assert msg["X-Priority"] == "1 (Highest)"
    assert msg["Importance"] == "High"
    assert msg["Message-ID"] == log.message_id
    assert log.message_id.endswith("@example.org>")


def test_raw_html_and_text_without_a_template(mail, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        log = send_email(to="bob@example.com", subject="Plain", html="<p>Hi {{user.name}}</p>", text="Hi {{user.name}}",
                         priority="low", context={"user": {"name": "<Bob>"}})

    log.refresh_from_db()
    assert log.status == "sent"
    msg = mail.messages[0].parsed
    assert msg.get_content_type() == "multipart/alternative"
    assert msg.get_body(preferencelist=("plain",)).get_content().strip() == "Hi <Bob>"
    assert msg.get_body(preferencelist=("html",)).get_content().strip() == "<p>Hi &lt;Bob&gt;</p>"
    assert msg["X-Priority"] == "5 (Lowest)"


def test_a_burst_shares_one_smtp_session(mail, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(3):
            send_email(to=[f"u{n}@example.com"], subject=f"n{n}", text="x")

    assert len(mail.messages) == 3
    assert mail.connections == 1
