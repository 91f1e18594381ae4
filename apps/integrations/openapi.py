"""OpenAPI description of webhook endpoints, the outbox, e-mail and Telegram (see ``apps.core.openapi``)."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers

from apps.core.openapi import ERROR, document
from apps.integrations import api, telegram_api
from apps.integrations.email import api as email_api
from apps.integrations.email.models import EmailMessageLog
from apps.integrations.email.sending import PRIORITIES
from apps.integrations.models import OutboxMessage
from apps.integrations.serializers import OutboxMessageSerializer, WebhookEndpointSerializer


class WebhookEndpointCreated(WebhookEndpointSerializer):
    secret = serializers.CharField(read_only=True, help_text="`whsec_…`: shown in this answer only, never again.")

    class Meta(WebhookEndpointSerializer.Meta):
        fields = [*WebhookEndpointSerializer.Meta.fields, "secret"]


document(api.WebhookEndpointViewSet, create=extend_schema(responses={201: WebhookEndpointCreated}))
document(
    api.OutboxViewSet,
    list=extend_schema(parameters=[
        OpenApiParameter("status", str, enum=OutboxMessage.Status.values),
        OpenApiParameter("transport", str, description="webhook, telegram or email"),
    ]),
    retry=extend_schema(request=None, responses={
        202: OutboxMessageSerializer,
        409: OpenApiResponse(ERROR, description="The message is being delivered or was delivered."),
    }),
)


class EmailQueued(serializers.Serializer):
    email_id = serializers.IntegerField()


class EmailOut(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=EmailMessageLog.Status.choices)
    message_id = serializers.CharField()
    error = serializers.CharField(allow_blank=True)
    attempts = serializers.IntegerField()
    to = serializers.ListField(child=serializers.CharField())
    cc = serializers.ListField(child=serializers.CharField())
    bcc = serializers.ListField(child=serializers.CharField())
    reply_to = serializers.ListField(child=serializers.CharField())
    subject = serializers.CharField(allow_blank=True)
    priority = serializers.ChoiceField(choices=PRIORITIES)
    template_id = serializers.IntegerField(allow_null=True)
    template_name = serializers.CharField(allow_blank=True)
    command_id = serializers.IntegerField(allow_null=True)
    event_id = serializers.IntegerField(allow_null=True)
    created_at = serializers.DateTimeField()
    sent_at = serializers.DateTimeField(allow_null=True)
    failed_at = serializers.DateTimeField(allow_null=True)


class EventEmailsQueued(serializers.Serializer):
    email_ids = serializers.ListField(child=serializers.IntegerField())
    recipients = serializers.ListField(child=serializers.CharField())


document(email_api.EmailSendView,
         post=extend_schema(request=email_api.SendEmailSerializer, responses={202: EmailQueued}))
document(email_api.EmailDetailView, get=extend_schema(responses=EmailOut))
document(email_api.EventEmailView,
         post=extend_schema(request=email_api.EventEmailSerializer, responses={202: EventEmailsQueued}))


class TelegramAnswer(serializers.Serializer):
    ok = serializers.BooleanField()
    outcome = serializers.ChoiceField(choices=["duplicate", "ignored", "no_text", "answered"])


document(
    telegram_api.TelegramWebhookView,
    post=extend_schema(
        summary="Telegram Bot API webhook",
        description="Authenticated by the secret token set with setWebhook, not by an API key.",
        parameters=[OpenApiParameter(telegram_api.SECRET_HEADER, str, OpenApiParameter.HEADER, required=True)],
        request=OpenApiTypes.OBJECT,
        responses={200: TelegramAnswer, 400: ERROR,
                   401: OpenApiResponse(ERROR, description=f"Missing or wrong {telegram_api.SECRET_HEADER}.")},
    ),
)
