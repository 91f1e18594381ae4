"""OpenAPI description of the command queue endpoints (see ``apps.core.openapi``)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers

from apps.commands import api, services
from apps.core.openapi import ERROR, document

CALLBACK_NOTE = (
    "n8n callbacks may authenticate with a Bearer key (scope commands.manage) or sign the request "
    "(Standard Webhooks `webhook-id`/`webhook-timestamp`/`webhook-signature`, or `X-Chronos-Timestamp`/"
    "`X-Chronos-Signature`) with the secret of the webhook endpoint bound to the command's target system."
)


class PolledCommand(serializers.Serializer):
    id = serializers.IntegerField()
    command = serializers.CharField()
    target_system = serializers.CharField()
    parameters = serializers.DictField()
    retries = serializers.IntegerField()
    context = serializers.DictField()
    created_at = serializers.DateTimeField()
    processed_at = serializers.DateTimeField(allow_null=True)
    timeout_at = serializers.DateTimeField(allow_null=True)


class Poll(serializers.Serializer):
    system_id = serializers.CharField()
    commands = PolledCommand(many=True)
    count = serializers.IntegerField()
    retrieved_at = serializers.DateTimeField()


document(
    api.CommandListCreateView,
    get=extend_schema(parameters=[
        OpenApiParameter("status", str, enum=["PENDING", "PROCESSING", "COMPLETED", "FAILED"],
                         description="Case-insensitive."),
        OpenApiParameter("target_system", str),
    ]),
    post=extend_schema(request=api.CreateSerializer, responses={
        201: api.CommandSerializer, 400: OpenApiResponse(ERROR, description="Invalid, or refused by the whitelist.")}),
)
document(
    api.CommandPollView,
    get=extend_schema(
        summary="Claim pending commands of a target system",
        parameters=[
            OpenApiParameter("system_id", str, OpenApiParameter.PATH, pattern=api.NAME_RE.pattern),
            OpenApiParameter("limit", {"type": "integer", "minimum": 1, "maximum": services.MAX_LIMIT},
                             description="How many to claim at most (default 10)."),
        ],
        responses={200: Poll, 400: ERROR},
    ),
)
document(api.CommandDetailView, get=extend_schema(responses=api.CommandSerializer))
document(api.CommandCompleteView, post=extend_schema(
    description=CALLBACK_NOTE, request=api.CompleteSerializer, responses={200: api.CommandSerializer, 409: ERROR}))
document(api.CommandFailView, post=extend_schema(
    description=CALLBACK_NOTE, request=api.FailSerializer, responses={200: api.CommandSerializer, 409: ERROR}))
