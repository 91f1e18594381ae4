"""HTTP API of calendar sync (paths and fields per docs/api.md, "Sync")."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.idempotency import idempotent
from apps.core.timefmt import iso_z
from apps.sync import selectors, services


class SyncRequestSerializer(serializers.Serializer):
    calendar_id = serializers.CharField(required=False, allow_null=True, max_length=64)
    full = serializers.BooleanField(required=False, default=False)


class SyncCalendarView(APIView):
    """Queue a sync of one calendar (or of every enabled mock/Google calendar)."""

    required_scopes = {"POST": "sync.run"}

    @extend_schema(request=SyncRequestSerializer, responses={202: inline_serializer(
        "SyncQueued", {"task_id": serializers.CharField(), "queued_at": serializers.DateTimeField()})})
    @idempotent
    def post(self, request):
        if not isinstance(request.data, dict):
            raise exceptions.ValidationError({"detail": "Expected a JSON object."})
        serializer = SyncRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            task_id, queued_at = services.queue_sync(calendar_id=serializer.validated_data.get("calendar_id"),
                                                     full=serializer.validated_data["full"], trigger="api")
        except services.NotSyncable as exc:
            raise exceptions.ValidationError({"detail": str(exc), "calendar_id": [str(exc)]}) from None
        return Response({"task_id": task_id, "queued_at": iso_z(queued_at)}, status=status.HTTP_202_ACCEPTED)


class SyncRunView(APIView):
    """A sync task: fetched/created/updated/deleted/consumed counts, errors, duration."""

    required_scopes = {"GET": "sync.run"}

    @extend_schema(responses={200: dict})
    def get(self, request, task_id: str):
        detail = selectors.run_detail(task_id)
        if detail is None:
            raise exceptions.NotFound(f"No sync run with task id {task_id!r}.")
        return Response(detail)


class SyncHealthView(APIView):
    """Scheduler heartbeat per calendar: last success, last error, next run. No authentication."""

    public = True
    authentication_classes: list = []

    @extend_schema(responses={200: dict})
    def get(self, request):
        return Response(selectors.health(public=True))
