"""``/api/v1/workflows`` CRUD (admin scope)."""

from __future__ import annotations

from rest_framework import serializers, viewsets
from rest_framework.routers import SimpleRouter

from apps.core.idempotency import IdempotentCreateMixin
from apps.workflows.models import Workflow
from apps.workflows.validation import workflow_errors


class WorkflowSerializer(serializers.ModelSerializer):
    follow_up_params = serializers.JSONField(required=False, default=dict)

    class Meta:
        model = Workflow
        fields = [
            "id",
            "name",
            "trigger_command",
            "trigger_system",
            "follow_up_command",
            "follow_up_system",
            "follow_up_params",
            "delay_seconds",
            "enabled",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]

    def validate(self, attrs):
        merged = {}
        if self.instance is not None:
            merged = {f: getattr(self.instance, f) for f in self.Meta.fields if hasattr(self.instance, f)}
        merged.update(attrs)
        errors = workflow_errors(merged)
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


class WorkflowViewSet(IdempotentCreateMixin, viewsets.ModelViewSet):
    queryset = Workflow.objects.order_by("id")
    serializer_class = WorkflowSerializer
    required_scopes = {"read": "admin", "write": "admin"}


router = SimpleRouter(trailing_slash=False)
router.register("workflows", WorkflowViewSet, basename="workflow")
