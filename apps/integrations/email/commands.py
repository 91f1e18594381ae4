"""The built-in e-mail integration for commands: ``ACTION: SEND_EMAIL SMTP to=… template=…``.

A command for the system named by ``email.command_system`` (default ``SMTP``) is claimed as soon
as it is created and turned into a queued e-mail in the same transaction; the e-mail transport
completes the command with ``{"email_id", "message_id"}`` once the message is sent, or fails it
(without retry) with the server's answer. Bad parameters (no such template, no subject) fail the
command at once with the reason.

Parameters: ``to`` (required; several addresses separated by commas), ``cc``, ``bcc``,
``subject``, ``template`` (name or id of an e-mail template), ``body`` (text, when there is no
template), ``reply_to``, ``priority``. The template sees ``event`` (the calendar entry the
command came from), ``command`` (with ``params``) and ``recipient``.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core import checks
from django.core.exceptions import ValidationError
from django.db import transaction

from apps.core import signals
from apps.integrations.email.models import EmailMessageLog
from apps.integrations.email.sending import send_email
from chronos import config
from chronos.config import current

logger = logging.getLogger(__name__)


def command_system() -> str:
    return current().email.command_system.strip()


def _is_ours(data: dict[str, Any]) -> bool:
    system = command_system()
    return bool(system) and data.get("id") is not None and str(data.get("target_system") or "").upper() == system.upper()


def _context(data: dict[str, Any]) -> dict[str, Any]:
    params = dict(data.get("parameters") or {})
    command_ctx = data.get("context") if isinstance(data.get("context"), dict) else {}
    context: dict[str, Any] = {
        "command": {
            "id": data.get("id"),
            "command": data.get("command"),
            "target_system": data.get("target_system"),
            "status": data.get("status"),
            "params": params,
            "result": data.get("result") or {},
            "last_error": data.get("last_error") or "",
            "source_event_id": data.get("source_event_id") or "",
            "created_at": data.get("created_at"),
        }
    }
    event = command_ctx.get("event")
    if isinstance(event, dict):
        context["event"] = event
    return context


def _error_text(exc: ValidationError) -> str:
    if hasattr(exc, "error_dict"):
        return "; ".join(f"{field}: {' '.join(messages)}" for field, messages in exc.message_dict.items())
    return " ".join(exc.messages)


def queue_for_command(data: dict[str, Any]) -> EmailMessageLog | None:
    """Claim the command and queue its e-mail; a refusal fails the command with the reason."""
    from apps.commands import services as commands

    command_id = int(data["id"])
    if not commands.claim_for_push(command_id=command_id):
        return None  # someone else (a poller) holds it
    params = dict(data.get("parameters") or {})
    text = params.get("body")
    subject = params.get("subject")
    template = params.get("template") or None
    try:
        if template is None and not subject:
            raise ValidationError({"subject": ["SEND_EMAIL needs a template or a subject."]})
        with transaction.atomic():
            return send_email(
                to=params.get("to") or (),
                cc=params.get("cc") or (),
                bcc=params.get("bcc") or (),
                subject=subject,
                text=(text or subject) if template is None else None,
                template=template,
                context=_context(data),
                reply_to=params.get("reply_to") or None,
                priority=str(params.get("priority") or "normal").lower(),
                command_id=command_id,
            )
    except ValidationError as exc:
        commands.fail(command_id=command_id, error=f"e-mail refused: {_error_text(exc)}", retry=False)
        return None


def on_command_created(event_type: str, data: dict[str, Any]) -> None:
    if _is_ours(data) and data.get("status") == "PENDING":
        queue_for_command(data)


def on_command_requeued(event_type: str, data: dict[str, Any]) -> None:
    """An operator requeued an e-mail command (or its lease ran out): do not send a second copy
    while the first is still on its way; otherwise send again."""
    if not _is_ours(data) or data.get("status") != "PENDING":
        return
    from apps.commands import services as commands

    latest = EmailMessageLog.objects.filter(command_id=data["id"]).order_by("-id").first()
    if latest is not None and latest.status == EmailMessageLog.Status.QUEUED:
        commands.claim_for_push(command_id=int(data["id"]))
        return
    queue_for_command(data)


def check_email_config(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """``chronos.E601``: an unusable e-mail backend or sender stops the start with one line.

    Types and ranges of the ``email:`` keys are checked with the rest of the configuration
    (``chronos.E001``); a value that failed there is its default here."""
    from apps.integrations.email.sending import config_errors

    typed, _ = config.build(settings.CHRONOS)
    return [checks.Error(message, id="chronos.E601") for message in config_errors(typed.email)]


def connect() -> None:
    """Subscribe to command events and register the config check (from ``IntegrationsConfig.ready``)."""
    signals.subscribe("command.created", on_command_created)
    signals.subscribe("command.requeued", on_command_requeued)
    checks.register(check_email_config)


connect()
