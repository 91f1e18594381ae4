"""``manage.py telegram_set_webhook URL``: register Chronos' webhook (with the secret token) at Telegram."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.core.management.base import BaseCommand, CommandError

from apps.integrations import telegram
from chronos.config import current


class Command(BaseCommand):
    help = "Register URL (…/api/v1/integrations/telegram/webhook) as the bot's webhook, with the secret token."

    def add_arguments(self, parser) -> None:
        parser.add_argument("url")
        parser.add_argument("--drop-pending", action="store_true", help="discard updates queued at Telegram")

    def handle(self, *args, url: str, drop_pending: bool, **options) -> None:
        cfg = current().telegram
        if urlsplit(url).scheme != "https" and urlsplit(url).hostname not in ("127.0.0.1", "localhost"):
            raise CommandError("Telegram only delivers to https:// URLs")
        if not cfg.webhook_secret:
            raise CommandError("set telegram.webhook_secret (CHRONOS_TELEGRAM_WEBHOOK_SECRET) first")
        try:
            me = telegram.call("getMe", {})
            telegram.call("setWebhook", {
                "url": url, "secret_token": cfg.webhook_secret, "allowed_updates": ["message", "edited_message"],
                "drop_pending_updates": drop_pending,
            })
        except telegram.BotApiError as exc:
            raise CommandError(str(exc)) from None
        name = (me or {}).get("username", "?") if isinstance(me, dict) else "?"
        self.stdout.write(f"webhook for @{name} set to {url}")
