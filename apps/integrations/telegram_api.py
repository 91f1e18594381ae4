"""``POST /api/v1/integrations/telegram/webhook``: Telegram updates, authenticated by the secret token."""

from __future__ import annotations

import hmac

from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.integrations import telegram
from chronos.config import current

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


class TelegramWebhookView(APIView):
    """Public to API keys: Telegram proves itself with the secret token set via setWebhook."""

    authentication_classes: list = []
    permission_classes: list = []
    public = True

    def post(self, request):
        expected = current().telegram.webhook_secret
        given = request.headers.get(SECRET_HEADER, "")
        # Constant-time compare; an unconfigured secret refuses everything rather than accepting all.
        if not expected or not hmac.compare_digest(given.encode(), expected.encode()):
            # Answered directly: DRF turns NotAuthenticated into 403 when a view has no authenticators.
            return Response({"detail": f"Missing or wrong {SECRET_HEADER} header."}, status=401,
                            headers={"WWW-Authenticate": 'Telegram-Secret-Token realm="chronos"'})
        update = request.data
        if not isinstance(update, dict) or not isinstance(update.get("update_id"), int):
            raise exceptions.ValidationError({"update_id": ["an Update with an integer update_id is required"]})
        outcome = telegram.handle_update(update)
        return Response({"ok": True, "outcome": outcome})
