from __future__ import annotations

from rest_framework import serializers, viewsets

from apps.audit.models import AuditEntry


class AuditEntrySerializer(serializers.ModelSerializer):
    actor = serializers.SerializerMethodField()

    class Meta:
        model = AuditEntry
        fields = ["id", "ts", "actor", "actor_name", "scope", "action", "entity", "entity_id", "changes", "ip", "request_id"]

    def get_actor(self, obj: AuditEntry) -> str:
        return obj.actor


class AuditEntryViewSet(viewsets.ReadOnlyModelViewSet):
    """``GET /api/v1/audit?entity=&entity_id=&actor=&action=&page=``, newest first."""

    serializer_class = AuditEntrySerializer
    required_scopes = {"read": "audit.read"}
    filterset_fields = ["entity", "entity_id", "actor", "action"]

    def get_queryset(self):
        return AuditEntry.objects.order_by("-id")
