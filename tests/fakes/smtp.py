"""A real SMTP server on 127.0.0.1 (aiosmtpd) that records what arrives and can be told to refuse.

Usage::

    server = FakeSMTP().start()
    server.fail_next("RCPT", "451 4.3.0 Try again later")  # the next RCPT is refused once
    ...
    msg = server.messages[0].parsed  # email.message.EmailMessage
    server.stop()

Tests get one through the ``smtp_server`` fixture (see :func:`smtp_server_fixture`).
"""

from __future__ import annotations

import email
import email.policy
import logging
import socket
import threading
from collections import deque
from dataclasses import dataclass, field
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

# aiosmtpd logs every connection at INFO: noise in test output.
logging.getLogger("mail.log").setLevel(logging.WARNING)


def free_port() -> int:
    # aiosmtpd's Controller(port=0) cannot report the port it got: bind one ourselves first.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Received:
    """One message as the server got it: envelope plus the exact bytes of DATA."""

    mail_from: str
    rcpt_tos: list[str]
    data: bytes

    @property
    def parsed(self) -> EmailMessage:
        return email.message_from_bytes(self.data, policy=email.policy.default)  # type: ignore[return-value]


@dataclass
class _Handler:
    messages: list[Received] = field(default_factory=list)
    # command -> queue of replies to give instead of accepting (e.g. "451 ...", "550 ...").
    scripted: dict[str, deque[str]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    connections: int = 0

    def _scripted(self, command: str) -> str | None:
        with self.lock:
            queue = self.scripted.get(command)
            return queue.popleft() if queue else None

    async def handle_EHLO(self, server, session, envelope, hostname, responses):  # noqa: N802 - aiosmtpd hook name
        with self.lock:
            self.connections += 1
        session.host_name = hostname
        return responses

    async def handle_MAIL(self, server, session, envelope, address, mail_options):  # noqa: N802
        reply = self._scripted("MAIL")
        if reply:
            return reply
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        reply = self._scripted("RCPT")
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        reply = self._scripted("DATA")
        if reply:
            return reply
        with self.lock:
            self.messages.append(Received(envelope.mail_from, list(envelope.rcpt_tos), bytes(envelope.content)))
        return "250 Message accepted for delivery"


class FakeSMTP:
    """Threaded aiosmtpd server; ``credentials=(user, password)`` turns on AUTH (without TLS)."""

    def __init__(self, *, credentials: tuple[str, str] | None = None) -> None:
        self.host = "127.0.0.1"
        self.port = free_port()
        self.credentials = credentials
        self.logins: list[str] = []
        self._handler = _Handler()
        self._controller: Controller | None = None

    # --- control ---
    def start(self) -> FakeSMTP:
        kwargs: dict = {}
        if self.credentials:
            # AUTH offered (not required) over plain TCP: enough to check that credentials are sent.
            kwargs.update(auth_required=False, auth_require_tls=False, authenticator=self._authenticate)
        self._controller = Controller(
            self._handler,
            hostname=self.host,
            port=self.port,
            # Without it aiosmtpd calls getfqdn(), which can hang on a machine without DNS.
            server_hostname="fake-smtp.test",
            ready_timeout=5.0,
            **kwargs,
        )
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def _authenticate(self, server: SMTP, session, envelope, mechanism: str, auth_data) -> AuthResult:
        if isinstance(auth_data, LoginPassword) and self.credentials:
            user, password = auth_data.login.decode(), auth_data.password.decode()
            if (user, password) == self.credentials:
                self.logins.append(user)
                return AuthResult(success=True)
        return AuthResult(success=False, handled=False)

    def fail_next(self, command: str, reply: str, times: int = 1) -> None:
        """Answer the next ``times`` ``MAIL``/``RCPT``/``DATA`` commands with ``reply``."""
        command = command.upper()
        if command not in ("MAIL", "RCPT", "DATA"):
            raise ValueError(command)
        with self._handler.lock:
            self._handler.scripted.setdefault(command, deque()).extend([reply] * times)

    def reset(self) -> None:
        with self._handler.lock:
            self._handler.messages.clear()
            self._handler.scripted.clear()
            self._handler.connections = 0

    # --- what arrived ---
    @property
    def messages(self) -> list[Received]:
        with self._handler.lock:
            return list(self._handler.messages)

    @property
    def connections(self) -> int:
        """EHLO greetings seen: how many SMTP sessions were opened."""
        return self._handler.connections

    def config(self) -> dict:
        """An ``email.smtp`` config section pointing at this server."""
        smtp = {"host": self.host, "port": self.port, "tls": False, "ssl": False, "timeout": 5}
        if self.credentials:
            smtp.update(user=self.credentials[0], password=self.credentials[1])
        return smtp


def configure(settings, server: FakeSMTP, **email_options) -> None:
    """Point the ``email:`` config at ``server``; outbox retries come at once (no waiting in tests)."""
    from apps.integrations.transports.email import close_connections

    close_connections()
    chronos = dict(settings.CHRONOS)
    chronos["email"] = {
        "from": "chronos@example.org",
        "from_name": "Chronos",
        "backend": "smtp",
        "smtp": server.config(),
        "keep_alive_seconds": 30,
        **email_options,
    }
    integrations = dict(chronos.get("integrations") or {})
    integrations["outbox"] = {
        **(integrations.get("outbox") or {}),
        "retry_schedule_seconds": [0, 0, 0],
        "jitter_ratio": 0,
    }
    chronos["integrations"] = integrations
    settings.CHRONOS = chronos


# Import these into a test module by their function names (mark the import unused-ok for ruff);
# pytest registers them under their ``name``.


@pytest.fixture(name="smtp_server")
def smtp_server_fixture():
    """A fresh fake SMTP server per test."""
    server = FakeSMTP().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(name="mail")
def mail_fixture(smtp_server, settings, db):
    """The fake server with Chronos configured to send to it."""
    from apps.integrations.transports.email import close_connections

    configure(settings, smtp_server)
    close_connections()
    yield smtp_server
    close_connections()
