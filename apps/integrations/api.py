"""API: webhook endpoints, the outbox (with dead-letter retry) and the Telegram webhook."""

from __future__ import annotations

from django.db import transaction
from rest_framework import exceptions, mixins, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from apps.core.exceptions import Conflict
from apps.core.idempotency import IdempotentCreateMixin
from apps.integrations import outbox
from apps.integrations.models import OutboxMessage, WebhookEndpoint
from apps.integrations.serializers import (
    OutboxMessageDetailSerializer,
    OutboxMessageSerializer,
    WebhookEndpointSerializer,
)

MANAGE = "integrations.manage"


class WebhookEndpointViewSet(IdempotentCreateMixin, viewsets.ModelViewSet):
    """Receivers of signed webhooks. The secret is in the create answer only."""

    queryset = WebhookEndpoint.objects.all()
    serializer_class = WebhookEndpointSerializer
    required_scopes = {"read": MANAGE, "write": MANAGE}

    def perform_create(self, serializer):
        with transaction.atomic():
            serializer.save()


class OutboxViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Outgoing messages: filter by ``status``; ``POST {id}/retry`` re-queues a dead one."""

    required_scopes = {"read": MANAGE, "write": MANAGE}

    def get_serializer_class(self):
        return OutboxMessageDetailSerializer if self.action == "retrieve" else OutboxMessageSerializer

    def get_queryset(self):
        qs = OutboxMessage.objects.all().order_by("-created_at", "id")
        if self.action == "retrieve":
            return qs.prefetch_related("delivery_attempts")
        status = self.request.query_params.get("status")
        if status:
            if status not in OutboxMessage.Status.values:
                raise exceptions.ValidationError(
                    {"status": [f"must be one of {', '.join(OutboxMessage.Status.values)}"]}
                )
            qs = qs.filter(status=status)
        transport = self.request.query_params.get("transport")
        if transport:
            qs = qs.filter(transport=transport)
        return qs

    @action(detail=True, methods=["post"])
    def retry(self, request, pk=None):
        message = self.get_object()
        try:
            message = outbox.retry_one(message)
        except outbox.NotRetryable as exc:
            raise Conflict(str(exc)) from None
        return Response(OutboxMessageSerializer(message).data, status=202)
