"""``POST /api/v1/templates/{id}/preview``: render a template with a given context, send nothing.

Body ``{"context": {...}, "sample": false}``. With ``"sample": true`` the context is laid over
sample data (every missing allowed key gets a visible stand-in), as the admin's live preview does.
Answers ``{"type", "subject", "html", "text"}`` for e-mail, ``{"type", "json", "data"}`` for a
webhook payload (``json`` is the exact body text) and ``{"type", "title", "description"}`` for an
event template. A placeholder without a value is a 400 naming it.
"""

from __future__ import annotations

import json

from django.shortcuts import get_object_or_404
from django.urls import path
from django.utils import timezone
from rest_framework import exceptions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.templates.models import Template
from apps.templates.rendering import TemplateRenderError, preview_context, render_template


def preview(template: Template, context: dict, *, sample: bool = False) -> dict:
    """Rendered output of ``template`` (raises TemplateRenderError)."""
    now = timezone.now()
    base = {"now": now.isoformat(), "today": timezone.localdate(now).isoformat()}
    full = preview_context(template, context) if sample else {**base, **context}
    out = render_template(template, full)
    if template.type == Template.Type.WEBHOOK:
        out["data"] = json.loads(out["json"])
    return {"type": template.type, **out}


class PreviewSerializer(serializers.Serializer):
    context = serializers.DictField(required=False, default=dict)
    sample = serializers.BooleanField(required=False, default=False)


class TemplatePreviewView(APIView):
    required_scopes = {"POST": "events.read"}

    def post(self, request, pk: int):
        template = get_object_or_404(Template, pk=pk)
        serializer = PreviewSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            body = preview(template, serializer.validated_data["context"], sample=serializer.validated_data["sample"])
        except TemplateRenderError as exc:
            error = {"detail": str(exc)}
            if exc.key:
                error["key"] = exc.key
            if exc.field:
                error["field"] = exc.field
            raise exceptions.ValidationError(error) from None
        return Response(body)


urlpatterns = [path("templates/<int:pk>/preview", TemplatePreviewView.as_view(), name="template-preview")]
