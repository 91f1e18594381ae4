"""The integrations page: states as they are, and a test send that says what really happened."""

from __future__ import annotations

import pytest

from apps.integrations.email.models import EmailMessageLog
from apps.workflows.models import Workflow
from tests.fakes.smtp import configure, free_port, mail_fixture, smtp_server_fixture  # noqa: F401

pytestmark = pytest.mark.django_db
URL = "/admin/integrations-status/"


def no_server(settings):
    chronos = dict(settings.CHRONOS)
    chronos["email"] = {**(chronos.get("email") or {}), "backend": "smtp",
                        "smtp": {"host": "127.0.0.1", "port": free_port(), "timeout": 2}}
    settings.CHRONOS = chronos


def test_with_no_mail_server_the_test_send_says_so_and_sends_nothing(root, settings):
    no_server(settings)
    response = root.post(URL, {"address": "ada@example.com"}, follow=True)
    page = response.content.decode()
    assert "No mail server configured at 127.0.0.1:" in page and "Nothing was sent." in page
    assert "queued" not in page
    assert not EmailMessageLog.objects.exists()


def test_with_a_mail_server_the_test_send_is_delivered_at_once(root, mail):
    response = root.post(URL, {"address": "ada@example.com"}, follow=True)
    log = EmailMessageLog.objects.get()
    assert log.status == "sent"
    assert f"Test e-mail {log.pk} sent to ada@example.com: the mail server accepted it" in response.content.decode()
    assert mail.messages[0].rcpt_tos == ["ada@example.com"]


def test_a_refusing_server_shows_its_answer(root, mail):
    mail.fail_next("RCPT", "550 5.1.1 No such user")
    response = root.post(URL, {"address": "nobody@example.com"}, follow=True)
    page = response.content.decode()
    assert "to nobody@example.com failed:" in page and "550" in page


def test_a_workflow_aimed_at_an_unwhitelisted_action_is_flagged(root):
    Workflow.objects.create(name="After backup", trigger_command="BACKUP", trigger_system="N8N",
                            follow_up_command="NOTIFY", follow_up_system="TELEGRAM")
    page = root.get(URL).content.decode()
    assert "NOTIFY → TELEGRAM is not in the whitelist: every follow-up will be refused" in page
    assert "not configured (telegram.bot_token)" in page


def test_a_calendar_that_synced_again_after_an_error_shows_as_ok_here_and_on_the_dashboard(root):
    from datetime import timedelta

    from django.utils import timezone

    from apps.events.models import Calendar
    from apps.sync.models import SyncState

    now = timezone.now()
    for name, error_at, success_at in (("Healed", now - timedelta(hours=2), now - timedelta(minutes=5)),
                                       ("Broken", now - timedelta(minutes=5), now - timedelta(hours=2))):
        calendar = Calendar.objects.create(id=name.lower(), name=name, source=Calendar.Source.ICS,
                                           url="https://example.com/feed.ics")
        SyncState.objects.create(calendar=calendar, last_error=f"{name} feed answered 503", last_error_at=error_at,
                                 last_success_at=success_at)

    status_page = root.get(URL).content.decode()
    dashboard = root.get("/admin/").content.decode()

    for page in (status_page, dashboard):
        assert "Broken feed answered 503" in page
        assert "Healed feed answered 503" not in page
