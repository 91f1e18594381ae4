"""The ``email`` transport: sends one queued :class:`EmailMessageLog` through the configured backend.

Backends: ``email.backend: smtp`` (Django's SMTP backend, configured from ``email.smtp``) or the
dotted path of any Django e-mail backend, e.g. ``anymail.backends.mailgun.EmailBackend`` with its
options under ``email.anymail`` (passed to the backend's constructor, so no Django settings are
needed). An open connection is kept per worker thread for ``email.keep_alive_seconds`` so a burst
of messages shares one SMTP session.

Errors: SMTP 4xx answers and connection failures are temporary (the outbox retries); 5xx answers
are permanent (the message is marked failed at once with the server's answer).
"""

from __future__ import annotations

import base64
import hashlib
import logging
import smtplib
import socket
import ssl
import threading
import time
import uuid
from collections import OrderedDict
from email import encoders
from email.mime.base import MIMEBase
from email.utils import formataddr
from typing import Any

from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.smtp import EmailBackend as DjangoSMTPBackend
from django.db import transaction
from django.utils import timezone

from apps.core import signals
from apps.integrations.email.models import EmailAttachment, EmailMessageLog
from apps.integrations.email.sending import email_data
from apps.integrations.transports.base import DeliveryResult, Transport, TransportError, register
from chronos.config import Email, current

logger = logging.getLogger(__name__)

PRIORITY_HEADERS = {
    "high": {"X-Priority": "1 (Highest)", "Importance": "High"},
    "normal": {"X-Priority": "3 (Normal)", "Importance": "Normal"},
    "low": {"X-Priority": "5 (Lowest)", "Importance": "Low"},
}


def _no_delay(connection: smtplib.SMTP) -> None:
    # smtplib writes each command and the message with separate small sends and waits for the
    # answer in between; with Nagle's algorithm on, the tail of the message can sit in the
    # kernel until the server's delayed ACK (measured: one session went from 66 to 86 messages/s).
    sock = getattr(connection, "sock", None)
    if sock is None or sock.family not in (socket.AF_INET, socket.AF_INET6):
        return
    try:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    except OSError:
        logger.debug("cannot set TCP_NODELAY on the mail connection", exc_info=True)


def _fix_boundaries(message: Any) -> None:
    """Give every multipart a random boundary before it is flattened.

    Without one the generator makes its own and, to rule out a clash with the content,
    compiles a regular expression for it and searches the whole flattened part with it
    (twice per message here). A boundary built from 128 random bits cannot clash by accident
    and cannot be guessed by whoever writes the content, so that check adds nothing.
    """
    for part in message.walk():
        if part.is_multipart() and part.get_boundary() is None:
            part.set_boundary(f"==============={uuid.uuid4().hex}==")


class SMTPBackend(DjangoSMTPBackend):
    """Django's SMTP backend with an explicit EHLO name and the refused recipients kept.

    Django asks ``socket.getfqdn()`` for the EHLO name, which can hang on a host without DNS;
    and it drops the per-recipient refusals ``sendmail`` returns, which belong in the log.
    Its connections skip Nagle's algorithm.
    """

    def __init__(self, *, local_hostname: str = "localhost", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.local_hostname = local_hostname
        self.refused: dict[str, tuple[int, bytes]] = {}

    def open(self) -> bool | None:
        if self.connection:
            return False
        params: dict[str, Any] = {"local_hostname": self.local_hostname}
        if self.timeout is not None:
            params["timeout"] = self.timeout
        if self.use_ssl:
            params["context"] = self.ssl_context
        connection = self.connection_class(self.host, self.port, **params)
        try:
            _no_delay(connection)
            if not self.use_ssl and self.use_tls:
                connection.starttls(context=self.ssl_context)
            if self.username and self.password:
                connection.login(self.username, self.password)
        except BaseException:
            connection.close()
            raise
        self.connection = connection
        return True

    def _send(self, email_message) -> bool:
        from django.core.mail.message import sanitize_address

        encoding = email_message.encoding or "utf-8"
        sender = sanitize_address(email_message.from_email, encoding)
        recipients = [sanitize_address(addr, encoding) for addr in email_message.recipients()]
        mime = email_message.message()
        _fix_boundaries(mime)
        data = mime.as_bytes(linesep="\r\n")
        for token, encoded in getattr(email_message, "chronos_preencoded", {}).items():
            data = data.replace(token, encoded, 1)
        self.refused = self.connection.sendmail(sender, recipients, data) or {}
        return True


def _backend_options(cfg: Email) -> tuple[str, dict[str, Any]]:
    if cfg.backend in ("smtp", "django.core.mail.backends.smtp.EmailBackend", f"{__name__}.SMTPBackend"):
        smtp = cfg.smtp
        return f"{__name__}.SMTPBackend", {
            "host": smtp.host,
            "port": smtp.port,
            "username": smtp.user,
            "password": smtp.password,
            "use_tls": smtp.tls,
            "use_ssl": smtp.ssl,
            "timeout": smtp.timeout,
            "local_hostname": cfg.local_hostname or _domain(cfg),
        }
    return cfg.backend, dict(cfg.anymail)


def _domain(cfg: Email) -> str:
    from apps.integrations.email.sending import message_id_domain

    return message_id_domain(cfg)


class _ConnectionCache(threading.local):
    """One open backend per worker thread, reused while its configuration stays the same."""

    key: tuple | None = None
    backend: Any = None
    last_used: float = 0.0

    def get(self, cfg: Email) -> tuple[Any, bool]:
        path, options = _backend_options(cfg)
        key = (path, tuple(sorted((k, repr(v)) for k, v in options.items())))
        keep_alive = cfg.keep_alive_seconds
        now = time.monotonic()
        if self.backend is not None and (self.key != key or now - self.last_used > keep_alive):
            self.close()
        reused = self.backend is not None
        if self.backend is None:
            self.backend = get_connection(path, fail_silently=False, **options)
            self.key = key
        self.last_used = now
        return self.backend, reused

    def close(self) -> None:
        backend, self.backend, self.key = self.backend, None, None
        if backend is not None:
            try:
                backend.close()
            except Exception:  # noqa: BLE001 - closing a dead connection must not hide the real error
                logger.debug("closing the mail connection failed", exc_info=True)


_connections = _ConnectionCache()


class _Prepared(threading.local):
    """What :meth:`EmailTransport.prepare_batch` loaded, by (outbox id, claim token)."""

    def __init__(self) -> None:
        self.entries: dict[tuple[Any, Any], tuple[EmailMessageLog, list[EmailAttachment]]] = {}


_prepared = _Prepared()


def close_connections() -> None:
    """Close this thread's cached mail connection (tests, shutdown)."""
    _connections.close()


def build_message(log: EmailMessageLog, connection: Any = None, *, preencode: bool = False,
                  listed: list[EmailAttachment] | None = None) -> EmailMultiAlternatives:
    """The MIME message for a log row: text + HTML alternatives, attachments, our headers.

    With ``preencode`` (our SMTP backend only) each attachment part carries a short token that
    :meth:`SMTPBackend._send` swaps for the ready base64 text: the standard library's generator
    would otherwise walk every base64 line of every attachment in Python, which dominates the
    cost of sending a message with a large file. ``listed`` is the row's attachments as loaded
    by :meth:`EmailTransport.prepare_batch` (without their content).
    """
    headers = {"Message-ID": log.message_id, **PRIORITY_HEADERS.get(log.priority, PRIORITY_HEADERS["normal"])}
    sender = formataddr((log.from_name, log.from_email)) if log.from_name else log.from_email
    text = log.body_text or ""
    message = EmailMultiAlternatives(
        subject=log.subject,
        body=text,
        from_email=sender,
        to=list(log.to),
        cc=list(log.cc),
        bcc=list(log.bcc),
        reply_to=list(log.reply_to),
        headers=headers,
        connection=connection,
    )
    if log.body_html:
        message.attach_alternative(log.body_html, "text/html")
    preencoded: dict[bytes, bytes] = {}
    if preencode:
        for attachment, encoded in _encoded_attachments(log, listed):
            message.attach(_token_attachment(attachment, encoded, preencoded))
    else:
        for attachment in _attachments(log):
            message.attach(_mime_attachment(attachment.filename, bytes(attachment.content), attachment.content_type))
    message.chronos_preencoded = preencoded
    return message


def _attachments(log: EmailMessageLog):
    # The model's default ordering starts with the ``email`` foreign key, which Django expands
    # into a join on the log table to order by *its* ordering; within one e-mail that is moot.
    return EmailAttachment.objects.filter(email_id=log.pk).order_by("position", "id")


# base64 text of recently sent attachments by (SHA-256, size): a mailing sends the same file many times.
_encoded_cache: OrderedDict[tuple[str, int], bytes] = OrderedDict()
_ENCODED_CACHE_ITEMS = 16
_ENCODED_CACHE_MAX_BYTES = 2 * 1024 * 1024


def _base64_crlf(content: bytes) -> bytes:
    return base64.encodebytes(content).rstrip(b"\n").replace(b"\n", b"\r\n")


def _encoded_attachments(log: EmailMessageLog, listed: list[EmailAttachment] | None = None,
                         ) -> list[tuple[EmailAttachment, bytes]]:
    """A log row's attachments with their base64 text, reading file content only on a cache miss.

    The content column is left out of the first query: for a mailing that sends one file to
    many people it is the same 100 KB blob on every row, and the cache already holds its
    encoding. Rows without a checksum are always read and hashed.
    """
    attachments = list(_attachments(log).defer("content")) if listed is None else listed
    encoded: dict[int, bytes] = {}
    missing: list[int] = []
    for attachment in attachments:
        cached = _encoded_cache.get((attachment.sha256, attachment.size)) if attachment.sha256 else None
        if cached is None:
            missing.append(attachment.pk)
        else:
            _encoded_cache.move_to_end((attachment.sha256, attachment.size))
            encoded[attachment.pk] = cached
    if missing:
        for pk, raw in EmailAttachment.objects.filter(pk__in=missing).values_list("pk", "content"):
            content = bytes(raw)
            encoded[pk] = _base64_crlf(content)
            if len(content) <= _ENCODED_CACHE_MAX_BYTES:
                _encoded_cache[(hashlib.sha256(content).hexdigest(), len(content))] = encoded[pk]
                while len(_encoded_cache) > _ENCODED_CACHE_ITEMS:
                    _encoded_cache.popitem(last=False)
    return [(attachment, encoded[attachment.pk]) for attachment in attachments]


def _token_attachment(attachment: EmailAttachment, encoded: bytes, preencoded: dict[bytes, bytes]) -> MIMEBase:
    part = _mime_attachment(attachment.filename, b"", attachment.content_type)
    token = f"chronos-attachment-{uuid.uuid4().hex}"
    part.set_payload(token)
    preencoded[token.encode("ascii")] = encoded
    return part


def _mime_attachment(filename: str, content: bytes, content_type: str) -> MIMEBase:
    # Always base64: Django would re-encode text/* files as text and normalise their line endings,
    # so a CSV or .ics would not arrive byte-identical.
    maintype, _, subtype = (content_type or "application/octet-stream").partition("/")
    part = MIMEBase(maintype, subtype or "octet-stream")
    part.set_payload(content)
    encoders.encode_base64(part)
    try:
        filename.encode("ascii")
        part.add_header("Content-Disposition", "attachment", filename=filename)
    except UnicodeEncodeError:
        part.add_header("Content-Disposition", "attachment", filename=("utf-8", "", filename))
    return part


def _smtp_code_error(code: int, text: str) -> TransportError:
    return TransportError(f"SMTP {code}: {text}", permanent=500 <= code < 600, status_code=code, response_body=text)


def _describe(exc: BaseException) -> str:
    try:
        return str(exc)
    except Exception:  # noqa: BLE001 - some ESP errors format their response, which may be missing
        return repr(exc.args)


def classify(exc: BaseException) -> TransportError:
    """Map a backend exception to a TransportError: 4xx / network temporary, 5xx permanent."""
    if isinstance(exc, TransportError):
        return exc
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        answers = {addr: (code, msg.decode("utf-8", "replace") if isinstance(msg, bytes) else str(msg))
                   for addr, (code, msg) in exc.recipients.items()}  # fmt: skip
        detail = "; ".join(f"{addr}: {code} {msg}" for addr, (code, msg) in answers.items())
        # Retry only when no recipient was refused for good.
        permanent = any(code >= 500 for code, _ in answers.values())
        code = max(code for code, _ in answers.values()) if answers else None
        return TransportError(f"recipients refused: {detail}", permanent=permanent, status_code=code,
                              response_body=detail)  # fmt: skip
    if isinstance(exc, smtplib.SMTPResponseException):
        text = exc.smtp_error.decode("utf-8", "replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
        if exc.smtp_code in (-1, 0) or not (400 <= exc.smtp_code < 600):
            return TransportError(f"SMTP error: {text}", permanent=False)
        return _smtp_code_error(exc.smtp_code, text)
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return TransportError(f"SMTP server does not support a required feature: {exc}", permanent=True)
    if isinstance(exc, (smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError, ConnectionError, socket.timeout,
                        TimeoutError, ssl.SSLError, OSError)):  # fmt: skip
        return TransportError(f"cannot reach the mail server: {type(exc).__name__}: {exc}", permanent=False)
    if isinstance(exc, smtplib.SMTPException):
        return TransportError(f"SMTP error: {exc}", permanent=False)
    try:
        from anymail import exceptions as anymail_exc
    except ImportError:  # pragma: no cover - anymail is a requirement
        anymail_exc = None
    if anymail_exc is not None and isinstance(exc, anymail_exc.AnymailError):
        permanent_types = (anymail_exc.AnymailRecipientsRefused, anymail_exc.AnymailInvalidAddress,
                           anymail_exc.AnymailUnsupportedFeature, anymail_exc.AnymailConfigurationError)  # fmt: skip
        if isinstance(exc, permanent_types):
            return TransportError(f"{type(exc).__name__}: {_describe(exc)}", permanent=True)
        status = getattr(exc, "status_code", None)
        # A client error from the ESP's API will not change on retry; throttling and outages will.
        permanent = status is not None and 400 <= status < 500 and status not in (408, 429)
        return TransportError(f"{type(exc).__name__}: {_describe(exc)}", permanent=permanent, status_code=status)
    if isinstance(exc, (ValueError, TypeError)):
        # e.g. BadHeaderError, a malformed address: sending again cannot help.
        return TransportError(f"message cannot be built: {exc}", permanent=True)
    return TransportError(f"{type(exc).__name__}: {exc}", permanent=False)


def _send(log: EmailMessageLog, cfg: Email, listed: list[EmailAttachment] | None = None) -> dict[str, Any]:
    """Send over the cached connection; a reused connection the server dropped is reopened once."""
    for attempt in (1, 2):
        backend, reused = _connections.get(cfg)
        message = build_message(log, connection=backend, preencode=isinstance(backend, SMTPBackend), listed=listed)
        try:
            # Opened here, not inside send_messages, which would close what it opened itself.
            backend.open()
            backend.send_messages([message])
        except BaseException as exc:
            _connections.close()
            retryable = isinstance(exc, (smtplib.SMTPServerDisconnected, ConnectionError, BrokenPipeError))
            if reused and retryable and attempt == 1:
                continue
            raise
        status = getattr(message, "anymail_status", None)
        return {
            "refused": dict(getattr(backend, "refused", {}) or {}),
            "esp_message_id": getattr(status, "message_id", None) if status is not None else None,
        }
    raise TransportError("unreachable", permanent=False)  # pragma: no cover - the loop always returns or raises


def _finish_command(log: EmailMessageLog, *, sent: bool) -> None:
    """Settle the command that asked for this e-mail (SEND_EMAIL), if any."""
    if not log.command_id:
        return
    from apps.commands import services as commands

    try:
        if sent:
            result = {"email_id": log.pk, "message_id": log.message_id, "status": log.status}
            try:
                commands.complete(command_id=log.command_id, result=result)
            except commands.IllegalTransition:
                # The lease ran out meanwhile; the e-mail went out, so the command is done.
                commands.mark_completed(command_id=log.command_id, result=result)
        else:
            error = f"e-mail {log.pk} failed: {log.error}"
            try:
                commands.fail(command_id=log.command_id, error=error, retry=False)
            except commands.IllegalTransition:
                commands.mark_failed(command_id=log.command_id, reason=error)
    except commands.CommandNotFound:
        logger.warning("e-mail %s names command %s, which no longer exists", log.pk, log.command_id)


def mark_failed(log: EmailMessageLog, error: str) -> bool:
    """queued -> failed (once); settles the command and announces ``email.failed``."""
    now = timezone.now()
    with transaction.atomic():
        updated = EmailMessageLog.objects.filter(pk=log.pk, status=EmailMessageLog.Status.QUEUED).update(
            status=EmailMessageLog.Status.FAILED, error=error[:4000], failed_at=now
        )
        if not updated:
            return False
        log.refresh_from_db()
        _finish_command(log, sent=False)
        signals.emit("email.failed", email_data(log))
    return True


@register
class EmailTransport(Transport):
    """Delivers outbox rows ``{"email_id": ...}`` written by :func:`apps.integrations.email.sending.send_email`."""

    name = "email"

    def prepare_batch(self, messages: list) -> None:
        """Load the log rows and attachment lists of a claimed batch in two queries.

        Kept per thread under the outbox row's id and claim token, so only this very attempt
        can use an entry: a later claim of the same row (a retry, another worker) reads afresh.
        """
        ids = {}
        for message in messages:
            email_id = (message.payload or {}).get("email_id")
            if isinstance(email_id, int):
                ids[(message.id, message.claim_token)] = email_id
        logs = {log.pk: log for log in EmailMessageLog.objects.filter(pk__in=set(ids.values())).order_by()}
        listed: dict[int, list[EmailAttachment]] = {pk: [] for pk in logs}
        attachments = EmailAttachment.objects.filter(email_id__in=logs).order_by("email_id", "position", "id")
        for attachment in attachments.defer("content"):
            listed[attachment.email_id].append(attachment)
        _prepared.entries = {key: (logs[pk], listed[pk]) for key, pk in ids.items() if pk in logs}

    def deliver(self, message) -> DeliveryResult:
        email_id = (message.payload or {}).get("email_id")
        prepared = _prepared.entries.pop((message.id, message.claim_token), None)
        if prepared is not None:
            log, listed = prepared
        else:
            # Ordered by pk: the model's default ordering would only make a primary-key lookup dearer.
            log, listed = EmailMessageLog.objects.filter(pk=email_id).order_by("pk").first(), None
        if log is None:
            raise TransportError(f"e-mail {email_id} no longer exists", permanent=True)
        if log.status == EmailMessageLog.Status.SENT:
            return DeliveryResult(status_code=250, detail=f"already sent as {log.message_id}")
        if log.status == EmailMessageLog.Status.FAILED:
            # A person replayed a dead outbox row: try again from the start.
            EmailMessageLog.objects.filter(pk=log.pk).update(status=EmailMessageLog.Status.QUEUED, failed_at=None)
            log.status = EmailMessageLog.Status.QUEUED
        cfg = current().email
        try:
            outcome = _send(log, cfg, listed)
        except Exception as exc:  # noqa: BLE001 - every failure is classified, none is lost
            error = classify(exc)
            EmailMessageLog.objects.filter(pk=log.pk).update(attempts=log.attempts + 1, error=str(error)[:4000])
            if error.permanent:
                mark_failed(log, str(error))
            raise error from None
        now = timezone.now()
        refused = outcome["refused"]
        note = ""
        if refused:
            note = "some recipients refused: " + "; ".join(
                f"{addr}: {code} {msg.decode('utf-8', 'replace') if isinstance(msg, bytes) else msg}"
                for addr, (code, msg) in refused.items()
            )
        with transaction.atomic():
            fields = {"status": EmailMessageLog.Status.SENT, "attempts": log.attempts + 1, "sent_at": now, "error": note}
            EmailMessageLog.objects.filter(pk=log.pk).update(**fields)
            for name, value in fields.items():
                setattr(log, name, value)
            _finish_command(log, sent=True)
            signals.emit("email.sent", email_data(log))
        detail = log.message_id + (f" (ESP id {outcome['esp_message_id']})" if outcome["esp_message_id"] else "")
        return DeliveryResult(status_code=250, detail=detail)

    def on_dead(self, message) -> None:
        email_id = (message.payload or {}).get("email_id")
        log = EmailMessageLog.objects.filter(pk=email_id).first()
        if log is not None:
            mark_failed(log, message.last_error or "gave up after repeated temporary errors")
