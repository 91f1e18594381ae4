"""HTTP API of the command queue (paths and fields per docs/api.md, "Commands")."""

from __future__ import annotations

import functools

from django.utils import timezone
from django.utils.module_loading import import_string
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from apps.commands import services
from apps.commands.models import ActionFiring, Command
from apps.commands.services import CommandNotFound, IllegalTransition, command_data
from apps.core.exceptions import Conflict
from apps.core.idempotency import idempotent
from apps.core.pagination import int_param
from apps.core.timefmt import iso_z
from apps.events.timeparse import TimeError, parse_instant
from apps.whitelists.services import NAME_RE, CommandRejected

SIGNED_CALLBACK_AUTH = "apps.integrations.callback_auth.SignedCallbackAuthentication"
MAX_ID = 2**63 - 1


@functools.cache
def callback_authentication_classes() -> list[type]:
    """The default authenticators plus signed n8n callbacks, when the integrations app provides them.

    Resolved on first use (not at import) so the integrations module may import this one.
    """
    classes = list(api_settings.DEFAULT_AUTHENTICATION_CLASSES)
    try:
        classes.append(import_string(SIGNED_CALLBACK_AUTH))
    except ImportError:
        pass
    return classes


class CommandSerializer(serializers.ModelSerializer):
    """Schema of a command as the API answers it (built by ``services.command_data``)."""

    class Meta:
        model = Command
        fields = [
            "id",
            "command",
            "target_system",
            "parameters",
            "status",
            "retries",
            "max_retries",
            "timeout_at",
            "last_error",
            "result",
            "idempotency_key",
            "source_event_id",
            "context",
            "depth",
            "created_at",
            "updated_at",
            "processed_at",
            "completed_at",
            "available_at",
        ]


class CreateSerializer(serializers.Serializer):
    command = serializers.CharField(max_length=64)
    target_system = serializers.CharField(max_length=64)
    parameters = serializers.DictField(required=False, default=dict)
    max_retries = serializers.IntegerField(required=False, min_value=0, max_value=100)


class CompleteSerializer(serializers.Serializer):
    result = serializers.JSONField(required=False, allow_null=True, default=None)


class FailSerializer(serializers.Serializer):
    error = serializers.CharField(required=False, allow_blank=True, default="", max_length=services.MAX_ERROR_LENGTH)
    retry = serializers.BooleanField(required=False, default=True)
    retry_after_seconds = serializers.IntegerField(required=False, allow_null=True, min_value=0, max_value=7 * 86400)


def _check_id(pk: int) -> int:
    if pk > MAX_ID:
        raise exceptions.NotFound(f"command {pk} does not exist")
    return pk


class CommandListCreateView(ListAPIView):
    """``GET /commands`` (filters status, target_system) and ``POST /commands``."""

    required_scopes = {"GET": "commands.read", "POST": "commands.manage"}
    serializer_class = CommandSerializer

    @extend_schema(parameters=[OpenApiParameter("status", str), OpenApiParameter("target_system", str)])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        qs = Command.objects.order_by("-id")
        wanted = self.request.query_params.get("status")
        if wanted:
            wanted = wanted.upper()
            if wanted not in Command.Status.values:
                raise exceptions.ValidationError({"status": [f"must be one of {', '.join(Command.Status.values)}"]})
            qs = qs.filter(status=wanted)
        system = self.request.query_params.get("target_system")
        if system:
            qs = qs.filter(target_system=system.strip().upper())
        return qs

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response([command_data(c) for c in page])

    @extend_schema(request=CreateSerializer, responses={201: CommandSerializer})
    @idempotent
    def post(self, request, *args, **kwargs):
        body = CreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        try:
            command = services.create_command(
                command=data["command"],
                target_system=data["target_system"],
                parameters=data["parameters"],
                max_retries=data.get("max_retries"),
            )
        except CommandRejected as exc:
            raise exceptions.ValidationError({"detail": exc.reason}) from None
        return Response(command_data(command), status=status.HTTP_201_CREATED)


class CommandPollView(APIView):
    """``GET /commands/{system_id}?limit=n``: claim up to n PENDING commands of that system."""

    required_scopes = {"GET": "commands.manage"}

    @extend_schema(
        parameters=[OpenApiParameter("limit", int, description="1..100, default 10")],
        responses=inline_serializer(
            "CommandPoll",
            {
                "system_id": serializers.CharField(),
                "commands": serializers.ListField(child=serializers.DictField()),
                "count": serializers.IntegerField(),
                "retrieved_at": serializers.DateTimeField(),
            },
        ),
    )
    def get(self, request, system_id: str):
        if not NAME_RE.match(system_id):
            raise exceptions.ValidationError({"detail": f"invalid system id {system_id!r}"})
        limit = int_param(request, "limit", 10, 1, services.MAX_LIMIT)
        now = timezone.now()
        claimed = services.claim(system=system_id, limit=limit, now=now)
        items = []
        for cmd in claimed:
            data = command_data(cmd)
            items.append(
                {
                    key: data[key]
                    for key in (
                        "id",
                        "command",
                        "target_system",
                        "parameters",
                        "retries",
                        "context",
                        "created_at",
                        "processed_at",
                        "timeout_at",
                    )
                }
            )
        return Response(
            {
                "system_id": system_id.upper(),
                "commands": items,
                "count": len(items),
                "retrieved_at": now.isoformat().replace("+00:00", "Z"),
            }
        )


class CommandDetailView(APIView):
    """``GET /commands/{id}/detail`` (the bare ``/commands/{x}`` path is the poll)."""

    required_scopes = {"GET": "commands.read"}

    @extend_schema(responses=CommandSerializer)
    def get(self, request, pk: int):
        command = Command.objects.filter(pk=_check_id(pk)).first()
        if command is None:
            raise exceptions.NotFound(f"command {pk} does not exist")
        return Response(command_data(command))


class _CallbackView(APIView):
    required_scopes = {"POST": "commands.manage"}

    def get_authenticators(self):
        return [cls() for cls in callback_authentication_classes()]

    def _run(self, fn, **kwargs) -> Response:
        try:
            command = fn(**kwargs)
        except CommandNotFound as exc:
            raise exceptions.NotFound(str(exc)) from None
        except IllegalTransition as exc:
            raise Conflict(str(exc)) from None
        return Response(command_data(command))


class CommandCompleteView(_CallbackView):
    """``POST /commands/{id}/complete`` ``{"result": ...}``."""

    @extend_schema(request=CompleteSerializer, responses=CommandSerializer)
    def post(self, request, pk: int):
        body = CompleteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        result = body.validated_data.get("result")
        return self._run(services.complete, command_id=_check_id(pk), result=result)


class CommandFailView(_CallbackView):
    """``POST /commands/{id}/fail`` ``{"error", "retry", "retry_after_seconds"}``."""

    @extend_schema(request=FailSerializer, responses=CommandSerializer)
    def post(self, request, pk: int):
        body = FailSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        return self._run(
            services.fail,
            command_id=_check_id(pk),
            error=data["error"],
            retry=data["retry"],
            retry_after_seconds=data.get("retry_after_seconds"),
        )


def firing_data(row: ActionFiring) -> dict:
    """One timed action occurrence as the API answers it."""
    return {
        "id": row.pk,
        "event_id": row.event_id,
        "occurrence_start": iso_z(row.occurrence_start),
        "command": row.command_name,
        "target_system": row.target_system,
        "parameters": row.parameters,
        "fire": row.fire,
        "fire_offset_minutes": row.fire_offset_minutes,
        "fire_at": iso_z(row.fire_at),
        "state": row.state,
        "command_id": row.command_id,
        "idempotency_key": row.idempotency_key,
        "note": row.note,
        "updated_at": iso_z(row.updated_at),
    }


class ActionListView(ListAPIView):
    """``GET /actions?state=&start=&end=`` — timed actions by ``fire_at`` (``start`` inclusive, ``end`` exclusive)."""

    required_scopes = {"GET": "commands.read"}

    @extend_schema(
        parameters=[OpenApiParameter("state", str, enum=list(ActionFiring.State.values)),
                    OpenApiParameter("start", OpenApiTypes.DATETIME,
                                     description="ISO 8601 with offset, years 1900-2200; fire_at at or after it."),
                    OpenApiParameter("end", OpenApiTypes.DATETIME,
                                     description="ISO 8601 with offset, years 1900-2200; fire_at before it.")],
        responses=inline_serializer("ActionList", {"items": serializers.ListField(child=serializers.DictField())}),
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        params = self.request.query_params
        qs = ActionFiring.objects.order_by("fire_at", "id")
        errors: dict[str, list[str]] = {}
        state = params.get("state")
        if state:
            if state.lower() not in ActionFiring.State.values:
                errors["state"] = [f"must be one of {', '.join(ActionFiring.State.values)}"]
            else:
                qs = qs.filter(state=state.lower())
        for name, lookup in (("start", "fire_at__gte"), ("end", "fire_at__lt")):
            raw = params.get(name)
            if raw:
                try:
                    qs = qs.filter(**{lookup: parse_instant(raw, allow_date=False)})
                except TimeError as exc:
                    errors[name] = [str(exc)]
        if errors:
            raise exceptions.ValidationError(errors)
        return qs

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response([firing_data(row) for row in page])
