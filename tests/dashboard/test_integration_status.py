"""Each integration's state is computed once: the dashboard's lines are the Integrations page's
states in short, and looking at either page never opens a connection to the mail server."""

from __future__ import annotations

import socket
import threading
from datetime import timedelta

import pytest
from django.utils import timezone

from apps.dashboard import integration_status
from apps.events.models import Calendar
from apps.integrations.email.models import EmailMessageLog
from apps.integrations.models import OutboxMessage, WebhookEndpoint
from apps.sync.models import SyncState
from tests.fakes.smtp import free_port

pytestmark = pytest.mark.django_db
PAGE = "/admin/integrations-status/"


class SilentServer:
    """A TCP server on 127.0.0.1 that counts the connections it accepts and never says a word:
    a mail server that hangs."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.accepted = 0
        self.held: list[socket.socket] = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.accepted += 1
            self.held.append(conn)

    def connections(self) -> int:
        # Accepting runs on the other thread: a connection made just now may not be counted yet.
        for _ in range(50):
            if self.accepted:
                break
            threading.Event().wait(0.01)
        return self.accepted

    def close(self) -> None:
        self.sock.close()
        for conn in self.held:
            conn.close()


@pytest.fixture
def silent(settings):
    server = SilentServer()
    chronos = dict(settings.CHRONOS)
    chronos["email"] = {**(chronos.get("email") or {}), "backend": "smtp",
                        "smtp": {"host": "127.0.0.1", "port": server.port, "timeout": 2}}
    settings.CHRONOS = chronos
    yield server
    server.close()


def test_looking_at_the_pages_never_connects_to_the_mail_server(root, silent):
    for url in (PAGE, "/admin/", PAGE):
        assert root.get(url).status_code == 200
    assert silent.connections() == 0


def test_test_connection_probes_the_mail_server_once_and_says_what_it_found(root, silent):
    page = root.post(PAGE, {"test_connection": "1"}, follow=True).content.decode()
    assert silent.connections() == 1
    assert f"The mail server at 127.0.0.1:{silent.port} answers." in page


def test_test_connection_names_a_mail_server_that_does_not_answer(root, settings):
    port = free_port()
    chronos = dict(settings.CHRONOS)
    chronos["email"] = {**(chronos.get("email") or {}), "backend": "smtp",
                        "smtp": {"host": "127.0.0.1", "port": port, "timeout": 2}}
    settings.CHRONOS = chronos
    page = root.post(PAGE, {"test_connection": "1"}, follow=True).content.decode()
    assert f"No mail server configured at 127.0.0.1:{port} (email.smtp.host/port): it does not answer" in page


def test_the_dashboard_says_what_the_integrations_page_says(root, settings):
    now = timezone.now()
    EmailMessageLog.objects.create(to=["a@example.com"], from_email="c@example.com", subject="s", status="sent", message_id="<1@example.com>",
                                   sent_at=now - timedelta(hours=2))
    EmailMessageLog.objects.create(to=["a@example.com"], from_email="c@example.com", subject="s", status="failed", message_id="<2@example.com>",
                                   failed_at=now - timedelta(minutes=5), error="421 4.3.2 Service not available")
    hook = WebhookEndpoint.objects.create(name="n8n main", url="http://127.0.0.1:9/hook", target_system="N8N")
    OutboxMessage.objects.create(transport="webhook", event_type="x", endpoint=hook, status=OutboxMessage.Status.DEAD,
                                 dead_at=now - timedelta(minutes=3))
    team = Calendar.objects.create(id="team", name="Team", source=Calendar.Source.CALDAV, url="https://dav.example/t/")
    SyncState.objects.create(calendar=team, last_error="401 Unauthorized", last_error_at=now - timedelta(minutes=7))
    Calendar.objects.create(id="g", name="Work (Google)", source=Calendar.Source.GOOGLE, external_id="w@example.com")

    page = root.get(PAGE).content.decode()
    dashboard = root.get("/admin/").content.decode()
    table = dashboard[dashboard.index("<caption>Integrations</caption>"):].split("</table>", 1)[0]

    problems = {
        "E-mail (SMTP)": "last error 5 min ago: 421 4.3.2 Service not available",
        "n8n / webhook endpoints": "last delivery gave up 3 min ago",
        "CalDAV": "last error 7 min ago: 401 Unauthorized",
        "Google Calendar": "Google credentials are not configured",
    }
    for name, problem in problems.items():
        assert problem in page, name
        row = table[table.index(f">{name}</a>"):].split("</tr>", 1)[0]
        assert 'class="state-bad">failing' in row and problem in row, row
    assert 'class="state-bad" id="smtp-state">last delivery OK 2 h ago; last error 5 min ago' in page

    # Both pages were built from one list: every item's wording is on both.
    for item in integration_status.integrations(timezone.now()):
        assert item["text"] in item["summary"]
        assert item["summary"] in table, item["name"]


def test_an_integration_without_configuration_is_not_configured_on_both_pages(root):
    page = root.get(PAGE).content.decode()
    dashboard = root.get("/admin/").content.decode()
    assert "not configured (telegram.bot_token)" in page and "not configured (telegram.bot_token)" in dashboard
    row = dashboard[dashboard.index(">Telegram</a>"):].split("</tr>", 1)[0]
    assert 'class="state-warn">not configured' in row
