"""Telegram: the Bot API client, inbound update handling and notification texts.

The Bot API is called with plain ``requests`` against ``telegram.api_base``: Chronos needs three
synchronous calls (sendMessage, setWebhook, getMe) from worker processes, and an async
framework would only add an event loop to every delivery. Replies go through the outbox like
every other external call, so a Telegram outage delays answers but loses none.
"""

from __future__ import annotations

import logging
import re
import zoneinfo
from datetime import UTC, datetime, timedelta
from typing import Any

import requests
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.audit.actor import acting_as
from apps.audit.registry import record
from apps.ingest.pipeline import IncomingEvent
from apps.ingest.services import IngestStatus, ingest
from apps.integrations import outbox
from apps.integrations.models import TelegramUpdate
from chronos.config import Telegram, current

logger = logging.getLogger(__name__)

MAX_TEXT = 4096  # Telegram's limit for one message
PIPELINE_PREFIX = re.compile(r"^\s*(NOTIZ|NOTE|ACTION|URL)\s*:", re.IGNORECASE)
EVENT_PREFIX = re.compile(r"^\s*EVENT\s*:", re.IGNORECASE)
EVENT_SYNTAX = re.compile(
    r"^\s*EVENT\s*:\s*(?P<title>.+?)\s+@\s+(?P<when>\S+)(?:\s+(?P<minutes>\d+)\s*m(?:in)?)?\s*$", re.IGNORECASE
)
HELP = (
    "I understand:\n"
    "NOTIZ: <text> (or NOTE:) — store a note\n"
    "URL: <url> [title] — store a link\n"
    "ACTION: <COMMAND> <SYSTEM> [key=value ...] — queue a command\n"
    "EVENT: <title> @ <ISO datetime> [<minutes>m] — create an event"
)


class BotApiError(Exception):
    def __init__(self, message: str, *, status_code: int | None, description: str = "",
                 retry_after: float | None = None) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.description = description
        self.retry_after = retry_after


def call(method: str, payload: dict[str, Any], *, timeout: float | None = None) -> Any:
    """Call a Bot API method; returns ``result`` or raises :class:`BotApiError`."""
    cfg = current().telegram
    if not cfg.bot_token:
        raise BotApiError("telegram.bot_token is not configured", status_code=None)
    url = f"{cfg.api_base.rstrip('/')}/bot{cfg.bot_token}/{method}"
    try:
        response = requests.post(url, json=payload, timeout=timeout or cfg.timeout_seconds, allow_redirects=False)
    except requests.RequestException as exc:
        raise BotApiError(f"Bot API unreachable: {type(exc).__name__}", status_code=None) from None
    try:
        body = response.json()
    except ValueError:
        body = {}
    if response.status_code == 200 and body.get("ok"):
        return body.get("result")
    description = str(body.get("description") or response.reason or "")
    retry_after = (body.get("parameters") or {}).get("retry_after")
    raise BotApiError(
        f"Bot API {method}: {response.status_code} {description}".strip(), status_code=response.status_code,
        description=description, retry_after=float(retry_after) if retry_after is not None else None,
    )


def notification_text(source: str, context: dict[str, Any]) -> str:
    from apps.integrations.templating import render_text

    return render_text(source, context)[:MAX_TEXT]


# --- inbound ---------------------------------------------------------------------------------


def _message_of(update: dict[str, Any]) -> dict[str, Any] | None:
    for key in ("message", "edited_message", "channel_post"):
        value = update.get(key)
        if isinstance(value, dict):
            return value
    return None


def handle_update(update: dict[str, Any]) -> str:
    """Handle one Update. Returns ``duplicate``, ``ignored``, ``no_text`` or ``answered``.

    Everything (the seen ``update_id``, what the text created, the reply in the outbox) is
    written in one transaction, so a failure leaves nothing half-done and Telegram's re-send
    is processed afresh.
    """
    update_id = int(update["update_id"])
    message = _message_of(update)
    # Telegram resends an update until it gets a 2xx, so a malformed one (chat missing, null or
    # not an object) is acknowledged and ignored (with an audit entry) rather than failing.
    chat = (message or {}).get("chat")
    chat_id = chat.get("id") if isinstance(chat, dict) else None
    chat_id = int(chat_id) if isinstance(chat_id, int) or (isinstance(chat_id, str) and chat_id.lstrip("-").isdigit()) else None
    cfg = current().telegram
    with acting_as("telegram", f"telegram chat {chat_id}"), transaction.atomic():
        try:
            with transaction.atomic():
                TelegramUpdate.objects.create(update_id=update_id, chat_id=chat_id)
        except IntegrityError:
            return "duplicate"
        if chat_id is None or chat_id not in cfg.allowed_chats:
            record(action="telegram.ignored", entity="telegram_chat", entity_id=chat_id if chat_id is not None else "",
                   changes={"update_id": [None, update_id],
                            "reason": [None, "chat not on the allow-list" if chat_id is not None else "no chat id"]})
            return "ignored"
        text = (message or {}).get("text")
        if not isinstance(text, str) or not text.strip():
            return "no_text"
        reply = respond(text.strip(), cfg=cfg)
        payload: dict[str, Any] = {"text": reply[:MAX_TEXT]}
        if isinstance(message.get("message_id"), int):
            payload["reply_to_message_id"] = message["message_id"]
        outbox.enqueue(transport="telegram", event_type="telegram.reply", payload=payload,
                       target={"chat_id": chat_id}, dedupe_key=f"telegram-reply:{update_id}")
    return "answered"


def _zone(cfg: Telegram) -> str:
    return cfg.time_zone or settings.TIME_ZONE


def _calendar_id(cfg: Telegram) -> str:
    return cfg.calendar_id or current().events.default_calendar


def respond(text: str, *, cfg: Telegram) -> str:
    """Map a chat message like a calendar title and describe the outcome (or the exact reason)."""
    now = timezone.now()
    if EVENT_PREFIX.match(text):
        match = EVENT_SYNTAX.match(text)
        if match is None:
            return "Rejected: expected EVENT: <title> @ <ISO datetime> [<minutes>m]"
        try:
            start = datetime.fromisoformat(match["when"])
        except ValueError:
            return f"Rejected: {match['when']!r} is not an ISO 8601 date-time (e.g. 2025-03-01T14:00)"
        if timezone.is_naive(start):
            try:
                start = start.replace(tzinfo=zoneinfo.ZoneInfo(_zone(cfg)))
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                start = start.replace(tzinfo=zoneinfo.ZoneInfo("UTC"))
        minutes = int(match["minutes"]) if match["minutes"] else cfg.default_event_minutes
        if not 1 <= minutes <= 60 * 24 * 14:
            return "Rejected: the duration must be between 1 minute and 14 days"
        try:
            end = start + timedelta(minutes=minutes)
            start.astimezone(UTC), end.astimezone(UTC)
        except OverflowError:
            return f"Rejected: {match['when']!r} with {minutes} minutes is outside the supported date range"
        return _ingest(match["title"].strip(), start, end, cfg)
    if PIPELINE_PREFIX.match(text):
        return _ingest(text, now, now + timedelta(minutes=cfg.default_event_minutes), cfg)
    return HELP


def _ingest(title: str, start: datetime, end: datetime, cfg: Telegram) -> str:
    incoming = IncomingEvent(title=title, start_time=start, end_time=end, calendar_id=_calendar_id(cfg),
                             source="telegram", timezone=_zone(cfg))
    try:
        with transaction.atomic():
            outcome = ingest(incoming)
    except Exception as exc:  # noqa: BLE001 - the chat gets an answer; details go to the log
        logger.exception("telegram message could not be processed")
        return f"Not processed: {type(exc).__name__}: {exc}"[:MAX_TEXT]
    if outcome.status == IngestStatus.REJECTED:
        return f"Rejected: {outcome.rejection}"
    if outcome.status == IngestStatus.CONSUMED:
        created = outcome.created or {}
        kind = created.get("type", "entry")
        label = {"command": "Command", "note": "Note", "url": "URL"}.get(kind, str(kind).capitalize())
        verb = "queued" if kind == "command" else "saved"
        return f"{label} #{created.get('id', '?')} {verb}."
    event = outcome.event
    local = event.start_time.astimezone(zoneinfo.ZoneInfo(_zone(cfg))) if event.start_time else start
    return f"Event #{event.pk} created: {event.title} at {local:%Y-%m-%d %H:%M} ({_zone(cfg)})."
