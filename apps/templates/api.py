"""``/api/v1/templates``: CRUD ranked by usage, and ``/templates/{id}/use``."""

from __future__ import annotations

from django.db.models import Q
from rest_framework import exceptions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from apps.core.idempotency import IdempotentCreateMixin
from apps.core.lookups import IdLookupMixin
from apps.templates.models import Template
from apps.templates.rendering import validate_template
from apps.templates.services import record_use


def _string_list(value, field: str, *, max_items: int = 100, max_length: int = 500) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise serializers.ValidationError({field: ["Must be a list of strings."]})
    if len(value) > max_items:
        raise serializers.ValidationError({field: [f"At most {max_items} items."]})
    if any(len(item) > max_length for item in value):
        raise serializers.ValidationError({field: [f"Items are at most {max_length} characters."]})
    return [item.strip() for item in value if item.strip()]


class TemplateSerializer(serializers.ModelSerializer):
    type = serializers.ChoiceField(choices=Template.Type.choices, default=Template.Type.EVENT)
    default_time = serializers.TimeField(format="%H:%M", input_formats=["%H:%M", "%H:%M:%S"], required=False,
                                         allow_null=True)
    duration_minutes = serializers.IntegerField(min_value=1, max_value=60 * 24 * 31, required=False)
    description = serializers.CharField(max_length=65536, required=False, allow_blank=True)
    last_used_at = serializers.DateTimeField(read_only=True, allow_null=True)

    class Meta:
        model = Template
        fields = [
            "id", "type", "title", "description", "all_day", "default_time", "duration_minutes", "calendar_id",
            "tags", "attendees", "transparency", "default_sub_tasks", "usage_count", "last_used_at", "subject", "body_html",
            "body_text", "body_json", "variables", "created_at", "updated_at",
        ]
        read_only_fields = ["id", "usage_count", "last_used_at", "created_at", "updated_at"]

    def validate_tags(self, value):
        return _string_list(value, "tags", max_length=100)

    def validate_attendees(self, value):
        return _string_list(value, "attendees", max_length=320)

    def validate_default_sub_tasks(self, value):
        return _string_list(value, "default_sub_tasks")

    def validate(self, attrs):
        merged = {}
        if self.instance is not None:
            merged = {f: getattr(self.instance, f) for f in self.Meta.fields if hasattr(self.instance, f)}
        merged.update(attrs)
        errors = validate_template(merged.get("type") or Template.Type.EVENT, merged)
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


class TemplateViewSet(IdLookupMixin, IdempotentCreateMixin, viewsets.ModelViewSet):
    """Templates ranked by usage: most used first, then most recently used."""

    noun = "template"
    serializer_class = TemplateSerializer
    queryset = Template.objects.all()
    filter_backends: list = []
    required_scopes = {
        "list": "events.read",
        "retrieve": "events.read",
        "create": "templates.manage",
        "update": "templates.manage",
        "partial_update": "templates.manage",
        "destroy": "templates.manage",
        "use": "events.write",
    }

    def get_queryset(self):
        qs = Template.objects.all()
        params = self.request.query_params
        kind = params.get("type")
        if kind:
            if kind not in Template.Type.values:
                raise exceptions.ValidationError({"type": [f"Unknown type {kind!r}; use {', '.join(Template.Type.values)}."]})
            qs = qs.filter(type=kind)
        q = (params.get("q") or "").replace("\x00", "").strip()
        if q:
            qs = qs.filter(Q(title__icontains=q) | Q(description__icontains=q))
        return qs

    @action(detail=True, methods=["post"])
    def use(self, request, pk=None):
        template = self.get_object()
        updated = record_use(template_id=template.pk)
        return Response(
            {"id": updated.pk, "usage_count": updated.usage_count, "last_used_at": updated.last_used_at},
            status=status.HTTP_200_OK,
        )
