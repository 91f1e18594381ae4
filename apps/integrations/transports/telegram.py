"""The ``telegram`` transport: ``sendMessage`` to ``target["chat_id"]`` with ``payload["text"]``.

429 carries ``parameters.retry_after``, which the outbox honours. 403 (bot blocked or kicked)
and 400 (e.g. "chat not found") cannot succeed later: permanent.
"""

from __future__ import annotations

from apps.integrations import telegram
from apps.integrations.transports.base import DeliveryResult, Transport, TransportError, register


@register
class TelegramTransport(Transport):
    name = "telegram"

    def deliver(self, message) -> DeliveryResult:
        chat_id = (message.target or {}).get("chat_id")
        text = (message.payload or {}).get("text")
        if chat_id is None or not text:
            raise TransportError("telegram message needs target.chat_id and payload.text", permanent=True)
        body = {"chat_id": chat_id, "text": text}
        reply_to = (message.payload or {}).get("reply_to_message_id")
        if reply_to:
            body["reply_parameters"] = {"message_id": reply_to, "allow_sending_without_reply": True}
        try:
            result = telegram.call("sendMessage", body)
        except telegram.BotApiError as exc:
            code = exc.status_code
            permanent = code is not None and 400 <= code < 500 and code not in (408, 409, 425, 429)
            if code is None and "not configured" in str(exc):
                permanent = True
            raise TransportError(str(exc), permanent=permanent, retry_after=exc.retry_after, status_code=code,
                                 response_body=exc.description) from None
        message_id = (result or {}).get("message_id") if isinstance(result, dict) else None
        return DeliveryResult(status_code=200, response_body=f"message_id={message_id}")
