"""OpenAPI description of the template endpoints (see ``apps.core.openapi``)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers

from apps.core.openapi import ERROR, document
from apps.templates import api, api_preview
from apps.templates.models import Template


class TemplateUse(serializers.Serializer):
    id = serializers.IntegerField()
    usage_count = serializers.IntegerField()
    last_used_at = serializers.DateTimeField()


document(
    api.TemplateViewSet,
    list=extend_schema(parameters=[
        OpenApiParameter("q", str, description="Text in the title or description."),
        OpenApiParameter("type", str, enum=Template.Type.values),
    ]),
    use=extend_schema(request=None, responses=TemplateUse),
)


class PreviewOut(serializers.Serializer):
    """What the template renders to; the fields present depend on its type."""

    type = serializers.ChoiceField(choices=Template.Type.choices)
    subject = serializers.CharField(required=False, help_text="email")
    html = serializers.CharField(required=False, help_text="email")
    text = serializers.CharField(required=False, help_text="email")
    json = serializers.CharField(required=False, help_text="webhook: the exact body text")
    data = serializers.JSONField(required=False, help_text="webhook: the body, parsed")
    title = serializers.CharField(required=False, help_text="event")
    description = serializers.CharField(required=False, help_text="event")


document(
    api_preview.TemplatePreviewView,
    post=extend_schema(request=api_preview.PreviewSerializer, responses={
        200: PreviewOut,
        400: OpenApiResponse(ERROR, description="Invalid input, or a placeholder without a value (`key` names it)."),
    }),
)
