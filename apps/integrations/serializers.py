"""API representations of webhook endpoints and outbox messages."""

from __future__ import annotations

from django.apps import apps as django_apps
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers

from apps.integrations import services
from apps.integrations.models import DeliveryAttempt, OutboxMessage, WebhookEndpoint
from chronos.config import current


class WebhookEndpointSerializer(serializers.ModelSerializer):
    event_types = serializers.ListField(child=serializers.CharField(max_length=100), required=False, default=list)
    target_system = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    payload_template_id = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=1)
    timeout_seconds = serializers.IntegerField(required=False, min_value=1)

    class Meta:
        model = WebhookEndpoint
        fields = ["id", "name", "url", "event_types", "target_system", "payload_template_id", "enabled",
                  "timeout_seconds", "disabled_reason", "created_at", "updated_at"]
        read_only_fields = ["id", "disabled_reason", "created_at", "updated_at"]

    def validate_url(self, value: str) -> str:
        try:
            return services.validate_url(value)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.message_dict["url"]) from None

    def validate_event_types(self, value: list[str]) -> list[str]:
        try:
            return services.validate_event_types(value)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.message_dict["event_types"]) from None

    def validate_timeout_seconds(self, value: int) -> int:
        limit = current().integrations.webhooks.max_timeout_seconds
        if value > limit:
            raise serializers.ValidationError(f"must be at most {limit} seconds")
        return value

    def validate_payload_template_id(self, value: int | None) -> int | None:
        if value is None:
            return None
        try:
            model = django_apps.get_model("templates", "Template")
        except LookupError:
            raise serializers.ValidationError("templates are not available") from None
        template = model.objects.filter(pk=value).first()
        if template is None:
            raise serializers.ValidationError(f"template {value} does not exist")
        if getattr(template, "type", "webhook") != "webhook":
            raise serializers.ValidationError(f"template {value} is not a webhook template")
        return value

    def validate_target_system(self, value: str) -> str:
        # Command target systems are upper-case (the command queue normalises them).
        value = value.strip().upper()
        if value:
            clash = WebhookEndpoint.objects.filter(target_system=value)
            if self.instance is not None:
                clash = clash.exclude(pk=self.instance.pk)
            if clash.exists():
                raise serializers.ValidationError(f"target system {value!r} is already bound to another endpoint")
        return value

    def create(self, validated_data):
        endpoint, secret = services.create_endpoint(**validated_data)
        endpoint.plain_secret = secret
        return endpoint

    def to_representation(self, instance):
        data = super().to_representation(instance)
        secret = getattr(instance, "plain_secret", None)
        if secret:
            data["secret"] = secret
        return data


class DeliveryAttemptSerializer(serializers.ModelSerializer):
    class Meta:
        model = DeliveryAttempt
        fields = ["number", "started_at", "duration_ms", "status_code", "outcome", "error", "response"]


class OutboxMessageSerializer(serializers.ModelSerializer):
    endpoint_id = serializers.IntegerField(allow_null=True, read_only=True)

    class Meta:
        model = OutboxMessage
        fields = ["id", "transport", "endpoint_id", "event_type", "payload", "target", "status", "attempts",
                  "next_attempt_at", "last_status_code", "last_error", "last_response", "delivered_at",
                  "dead_at", "created_at", "updated_at"]
        read_only_fields = fields


class OutboxMessageDetailSerializer(OutboxMessageSerializer):
    delivery_attempts = DeliveryAttemptSerializer(many=True, read_only=True)

    class Meta(OutboxMessageSerializer.Meta):
        fields = [*OutboxMessageSerializer.Meta.fields, "delivery_attempts"]
        read_only_fields = fields
