"""Any Django/anymail backend can be named in config; its ESP errors map to retry or failure."""

from __future__ import annotations

import pytest
from anymail.exceptions import AnymailAPIError, AnymailRecipientsRefused
from django.core import mail as django_mail

from apps.integrations.email.models import EmailMessageLog
from apps.integrations.email.sending import send_email
from apps.integrations.transports.email import classify, close_connections


@pytest.fixture
def anymail_test_backend(settings, db):
    settings.CHRONOS = {**settings.CHRONOS, "email": {"from": "chronos@example.org",
                                                      "backend": "anymail.backends.test.EmailBackend",
                                                      "anymail": {}}}
    close_connections()
    django_mail.outbox = []
    yield
    close_connections()


def test_an_anymail_backend_named_in_config_sends(anymail_test_backend, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        log = send_email(to=["ada@example.com"], subject="Via ESP", html="<p>x</p>", priority="high")

    log.refresh_from_db()
    assert log.status == EmailMessageLog.Status.SENT
    [sent] = django_mail.outbox
    assert sent.subject == "Via ESP"
    assert sent.extra_headers["Message-ID"] == log.message_id
    assert sent.extra_headers["X-Priority"] == "1 (Highest)"


class _ApiError(AnymailAPIError):
    def __init__(self, status_code):
        super().__init__("esp said no")
        self.status_code = status_code


@pytest.mark.parametrize(("exc", "permanent"), [
    (AnymailRecipientsRefused("all refused"), True),
    (_ApiError(400), True),
    (_ApiError(429), False),
    (_ApiError(503), False),
])
def test_esp_errors_are_classified(exc, permanent):
    assert classify(exc).permanent is permanent


def test_config_problems_are_reported_at_start(settings):
    from django.core import checks

    settings.CHRONOS = {**settings.CHRONOS, "email": {"backend": "no.such.Backend", "smtp": {"tls": True, "ssl": True},
                                                      "max_attachment_bytes": "lots"}}
    messages = {m.msg: m.id for m in checks.run_checks()}
    assert any(m.startswith("email.backend: cannot import") and i == "chronos.E601" for m, i in messages.items())
    assert messages["email.smtp: tls and ssl cannot both be true (ssl is implicit TLS on port 465)"] == "chronos.E001"
    assert messages["email.max_attachment_bytes: expected an integer, got 'lots'"] == "chronos.E001"


def test_the_shipped_config_passes_the_check():
    from apps.integrations.email.commands import check_email_config

    assert check_email_config() == []
