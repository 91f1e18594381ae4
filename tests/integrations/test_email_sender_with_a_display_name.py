"""``email.from`` may be ``Name <address>``: the check accepts it and mail goes out with that sender."""

from __future__ import annotations

import pytest
from django.core import checks

from apps.integrations.email.sending import SenderError, send_email, sender
from chronos import config as chronos_config
from tests.fakes.smtp import configure, smtp_server_fixture  # noqa: F401

pytestmark = pytest.mark.django_db


def _e601() -> list[str]:
    return [e.msg for e in checks.run_checks() if e.id == "chronos.E601"]


def test_the_environment_variable_with_a_display_name_passes_the_system_check(settings):
    raw, errors = chronos_config.load(environ={"CHRONOS_MAIL_FROM": "Chronos <chronos@example.org>"})
    assert errors == []
    assert chronos_config.build(raw)[1] == []
    settings.CHRONOS = raw
    assert _e601() == []
    assert sender() == ("Chronos", "chronos@example.org")


@pytest.mark.parametrize(("value", "expected"), [
    ("chronos@example.org", ("Fallback", "chronos@example.org")),
    ("Chronos Team <chronos@example.org>", ("Chronos Team", "chronos@example.org")),
    ('"Doe, Jane" <jane@example.org>', ("Doe, Jane", "jane@example.org")),
    ("Café Planner <cafe@example.org>", ("Café Planner", "cafe@example.org")),
    ("<bare@example.org>", ("Fallback", "bare@example.org")),
    ("chronos@localhost", ("Fallback", "chronos@localhost")),
])
def test_the_sender_is_read_as_name_and_address(value, expected):
    assert sender(chronos_config.Email(sender=value, from_name="Fallback")) == expected


@pytest.mark.parametrize("value", [
    "not an address", "a@example.org, b@example.org", "Chronos <chronos@example.org", "x <y>",
    "a@example.org\r\nBcc: victim@example.org", "",
])
def test_what_is_no_sender_is_refused_by_the_system_check(settings, value):
    settings.CHRONOS = {**settings.CHRONOS, "email": {**(settings.CHRONOS.get("email") or {}), "from": value}}
    with pytest.raises(SenderError):
        sender()
    [message] = _e601()
    assert message.startswith("email.from: ")


def test_mail_is_sent_with_the_display_name_and_the_bare_envelope_sender(
    smtp_server, settings, django_capture_on_commit_callbacks  # noqa: F811
):
    configure(settings, smtp_server, **{"from": "Chronos Team <chronos@example.org>", "from_name": "Ignored"})
    with django_capture_on_commit_callbacks(execute=True):
        default = send_email(to=["ada@example.com"], subject="Default", text="Hello")
        chosen = send_email(to=["ada@example.com"], subject="Chosen", text="Hello", from_name="Planner, Ops")

    default.refresh_from_db()
    chosen.refresh_from_db()
    assert (default.status, chosen.status) == ("sent", "sent")
    assert (default.from_name, default.from_email) == ("Chronos Team", "chronos@example.org")
    first, second = smtp_server.messages
    assert first.mail_from == second.mail_from == "chronos@example.org"
    assert first.parsed["From"] == "Chronos Team <chronos@example.org>"
    assert second.parsed["From"] == '"Planner, Ops" <chronos@example.org>'
    assert first.parsed["Message-ID"].endswith("@example.org>")
