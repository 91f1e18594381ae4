"""``/api/v1/backups``: create (202, runs in the worker), list, download."""

from __future__ import annotations

from django.http import FileResponse
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.backups import selectors, services
from apps.backups.models import Backup
from apps.core.exceptions import Conflict
from apps.core.idempotency import idempotent


class BackupSerializer(serializers.ModelSerializer):
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = Backup
        fields = ["id", "name", "created_at", "finished_at", "size", "trigger", "status", "verified", "verified_at",
                  "error", "pinned", "download_url"]

    def get_download_url(self, obj: Backup) -> str | None:
        if obj.status != Backup.Status.OK:
            return None
        return reverse("backup-download", kwargs={"name": obj.name})


class BackupListCreateView(generics.ListAPIView):
    """``GET`` lists backups newest first (paginated); ``POST`` queues a backup and answers 202."""

    serializer_class = BackupSerializer
    required_scopes = {"GET": "backups.manage", "POST": "backups.manage"}

    def get_queryset(self):
        return selectors.backups()

    @extend_schema(request=None, responses={202: BackupSerializer})
    @idempotent
    def post(self, request, *args, **kwargs):
        if request.data not in (None, {}) and not isinstance(request.data, dict):
            raise exceptions.ValidationError({"detail": "The body must be empty or a JSON object."})
        backup = services.queue_backup()
        data = BackupSerializer(backup).data
        url = reverse("backup-download", kwargs={"name": backup.name})
        return Response(data, status=status.HTTP_202_ACCEPTED, headers={"Location": url})


class BackupDownloadView(APIView):
    """``GET /api/v1/backups/{name}``: the archive as a file."""

    required_scopes = {"GET": "backups.manage"}

    @extend_schema(responses={(200, "application/zip"): OpenApiTypes.BINARY})
    def get(self, request, name: str):
        try:
            path = services.archive_path(name)
        except services.InvalidName as exc:
            raise exceptions.ValidationError({"detail": str(exc)}) from exc
        backup = selectors.downloadable(name)
        if backup is None or not path.is_file():
            pending = selectors.unfinished(name)
            if pending is not None:
                # It exists (the 202 of its POST named it): not yet, rather than not found.
                raise Conflict(f"Backup {name} is not finished yet ({pending.status}); download it once it is ok.")
            raise exceptions.NotFound(f"No finished backup named {name}.")
        return FileResponse(open(path, "rb"), as_attachment=True, filename=name, content_type="application/zip")
