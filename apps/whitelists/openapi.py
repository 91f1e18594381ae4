"""OpenAPI description of the whitelist endpoints (see ``apps.core.openapi``)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers

from apps.core.openapi import document
from apps.whitelists import api
from apps.whitelists.models import MAX_OFFSET_MINUTES, PARAM_TYPES, Fire
from apps.whitelists.transfer import FORMATS


class ImportSummary(serializers.Serializer):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    deleted = serializers.IntegerField()


ENTRY = {
    "type": "object",
    "properties": {
        "system": {"type": "string"},
        "action": {"type": "string"},
        "allowed_params": {"type": "object", "additionalProperties": {"type": "string", "enum": list(PARAM_TYPES)}},
        "required_params": {"type": "array", "items": {"type": "string"}},
        "enabled": {"type": "boolean"},
        "description": {"type": "string"},
        "fire": {"type": "string", "enum": list(Fire.values), "default": Fire.ON_ARRIVAL.value},
        "fire_offset_minutes": {"type": "integer", "minimum": -MAX_OFFSET_MINUTES, "maximum": MAX_OFFSET_MINUTES,
                                "default": 0},
    },
    "required": ["system", "action"],
}
DOCUMENT = {"type": "object", "properties": {"version": {"type": "integer"},
                                             "whitelists": {"type": "array", "items": ENTRY}}}
# A document as export writes it, or just its list of entries.
IMPORTABLE = {"oneOf": [DOCUMENT, {"type": "array", "items": ENTRY}]}

FORMAT = OpenApiParameter("format", str, enum=list(FORMATS))

document(api.WhitelistViewSet, list=extend_schema(parameters=[OpenApiParameter("system", str)]))
document(
    api.WhitelistExportView,
    refusing_empty=("format",),
    get=extend_schema(
        parameters=[FORMAT],
        responses={(200, "application/yaml"): DOCUMENT, (200, "application/json"): DOCUMENT},
    ),
)
document(
    api.WhitelistImportView,
    refusing_empty=("format",),
    post=extend_schema(
        description="The document `export` gives, as YAML or JSON text. All or nothing: any error rejects "
                    "the whole document.",
        parameters=[FORMAT, OpenApiParameter("replace", bool, description="Replace the whole whitelist.")],
        request={"application/yaml": IMPORTABLE, "application/json": IMPORTABLE},
        responses=ImportSummary,
    ),
)
