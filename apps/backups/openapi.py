"""OpenAPI description of the backup endpoints (see ``apps.core.openapi``)."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema

from apps.backups import api
from apps.backups.models import NAME_RE
from apps.core.openapi import ERROR, document, error

document(
    api.BackupDownloadView,
    get=extend_schema(
        parameters=[OpenApiParameter("name", str, OpenApiParameter.PATH, pattern=NAME_RE.pattern)],
        responses={(200, "application/zip"): OpenApiTypes.BINARY, 400: ERROR,
                   409: error(409, "The backup is queued or still being written.")},
    ),
)
