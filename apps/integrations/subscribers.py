"""Domain events -> outbox rows (webhook endpoints, n8n pushes, Telegram notifications).

Runs inside the emitting transaction: only rows are written here; delivery starts on commit.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from django.utils import timezone

from apps.core.rowcache import RowCache
from apps.integrations import outbox
from apps.integrations.models import WebhookEndpoint
from chronos.config import current

logger = logging.getLogger(__name__)

# Read for every domain event; revalidated by one cheap statement (see apps.core.rowcache).
enabled_endpoints = RowCache(WebhookEndpoint, lambda: WebhookEndpoint.objects.filter(enabled=True).order_by("id"))


def on_domain_event(event_type: str, data: dict[str, Any]) -> None:
    endpoints = enabled_endpoints.get()
    pushed_to: set[int] = set()
    if event_type == "command.created":
        pushed_to = _push_command(data, endpoints)
    for endpoint in endpoints:
        if endpoint.pk in pushed_to or not endpoint.subscribes_to(event_type):
            continue
        outbox.enqueue(transport="webhook", event_type=event_type, payload=data, endpoint=endpoint)
    _notify_telegram(event_type, data)


def _push_command(data: dict[str, Any], endpoints: list[WebhookEndpoint]) -> set[int]:
    """Push a new command to the endpoint bound to its target system, claiming it first."""
    system = str(data.get("target_system") or "").upper()
    bound = [e for e in endpoints if e.target_system and e.target_system.upper() == system]
    if not bound or data.get("id") is None:
        return set()
    endpoint = bound[0]
    from apps.commands.services import claim_for_push, lease_seconds

    now = timezone.now()
    if not claim_for_push(command_id=data["id"], now=now):
        # Already taken (a poller was faster): it is in someone's hands, do not push it as well.
        return set()
    # The lease claim_for_push took (now + lease): the push only sends, and on going dead only
    # releases, while the command still holds this very lease (not one a poller took after expiry).
    lease_until = now + timedelta(seconds=lease_seconds())
    outbox.enqueue(
        transport="webhook", event_type="command.created", payload=data, endpoint=endpoint,
        target={"push_command_id": data["id"], "push_lease_until": lease_until.isoformat()},
        dedupe_key=f"push:{data['id']}:{endpoint.pk}",
    )
    return {endpoint.pk}


DEFAULT_TEXTS = {
    "command.completed": "✅ Command {{command}} on {{target_system}} completed (#{{id}}).",
    "command.failed": "❌ Command {{command}} on {{target_system}} failed (#{{id}}): {{last_error}}",
    "command.created": "🆕 Command {{command}} on {{target_system}} queued (#{{id}}).",
    "command.requeued": "🔁 Command {{command}} on {{target_system}} requeued (#{{id}}): {{last_error}}",
}
GENERIC_TEXT = "{{event_type}}: {{summary}}"


def _notify_telegram(event_type: str, data: dict[str, Any]) -> None:
    cfg = current().telegram
    if not cfg.bot_token or not cfg.chats_to_notify or event_type not in cfg.notify_event_types:
        return
    source = cfg.templates.get(event_type) or DEFAULT_TEXTS.get(event_type) or GENERIC_TEXT
    context = {**data, "event_type": event_type, "summary": str(data.get("id", ""))}
    from apps.integrations.telegram import notification_text
    from apps.templates.rendering import TemplateRenderError

    try:
        text = notification_text(source, context)
    except TemplateRenderError as exc:
        # A broken user template must not fail the operation that emitted the event
        # (e.g. commands.complete): send the generic text and leave the reason in the log.
        logger.warning("telegram template for %s failed to render (%s); sending the generic text", event_type, exc)
        try:
            text = notification_text(GENERIC_TEXT, context)
        except TemplateRenderError:
            text = f"{event_type}: {context['summary']}"
    for chat_id in cfg.chats_to_notify:
        outbox.enqueue(transport="telegram", event_type=event_type, payload={"text": text},
                       target={"chat_id": chat_id})
