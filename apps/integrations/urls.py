from __future__ import annotations

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from apps.integrations.api import OutboxViewSet, WebhookEndpointViewSet
from apps.integrations.telegram_api import TelegramWebhookView

router = SimpleRouter(trailing_slash=False)
router.register("webhook-endpoints", WebhookEndpointViewSet, basename="webhook-endpoint")
router.register("outbox", OutboxViewSet, basename="outbox")

urlpatterns = [
    path("integrations/telegram/webhook", TelegramWebhookView.as_view(), name="telegram-webhook"),
    *router.urls,
    path("", include("apps.integrations.email.urls")),
]
