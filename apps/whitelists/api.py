"""``/api/v1/whitelists`` CRUD plus export/import of the whole list (admin scope)."""

from __future__ import annotations

from django.http import HttpResponse
from drf_spectacular.utils import OpenApiParameter, OpenApiTypes, extend_schema
from rest_framework import exceptions, parsers, serializers, viewsets
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter
from rest_framework.views import APIView

from apps.core.idempotency import IdempotentCreateMixin
from apps.whitelists.models import Whitelist
from apps.whitelists.services import entry_errors, normalise_name
from apps.whitelists.transfer import FORMATS, ImportRejected, export_document, import_document

MAX_IMPORT_BYTES = 1024 * 1024
CONTENT_TYPES = {"yaml": "application/yaml; charset=utf-8", "json": "application/json; charset=utf-8"}


class WhitelistSerializer(serializers.ModelSerializer):
    allowed_params = serializers.JSONField(required=False, default=dict)
    required_params = serializers.JSONField(required=False, default=list)

    class Meta:
        model = Whitelist
        fields = [
            "id",
            "system",
            "action",
            "allowed_params",
            "required_params",
            "enabled",
            "description",
            "fire",
            "fire_offset_minutes",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]
        validators: list = []  # (system, action) uniqueness is checked below, case-insensitively

    def validate(self, attrs):
        data = {}
        if self.instance is not None:
            data = {
                k: getattr(self.instance, k)
                for k in ("system", "action", "allowed_params", "required_params", "enabled", "description", "fire",
                          "fire_offset_minutes")
            }
        data.update(attrs)
        errors = entry_errors(data)
        if errors:
            raise serializers.ValidationError(errors)
        system, action = normalise_name(data["system"]), normalise_name(data["action"])
        clash = Whitelist.objects.filter(system=system, action=action)
        if self.instance is not None:
            clash = clash.exclude(pk=self.instance.pk)
        if clash.exists():
            raise serializers.ValidationError({"action": [f"an entry for {system} {action} already exists"]})
        return attrs


class WhitelistViewSet(IdempotentCreateMixin, viewsets.ModelViewSet):
    queryset = Whitelist.objects.order_by("system", "action")
    serializer_class = WhitelistSerializer
    required_scopes = {"read": "admin", "write": "admin"}

    def get_queryset(self):
        qs = super().get_queryset()
        system = self.request.query_params.get("system")
        return qs.filter(system=normalise_name(system)) if system else qs


class RawTextParser(parsers.BaseParser):
    """Hands the body over as text: the import parses it itself to report YAML line numbers."""

    media_type = "*/*"

    def parse(self, stream, media_type=None, parser_context=None):
        raw = stream.read(MAX_IMPORT_BYTES + 1) if stream is not None else b""
        if len(raw) > MAX_IMPORT_BYTES:
            raise exceptions.ParseError(f"document larger than {MAX_IMPORT_BYTES} bytes")
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            raise exceptions.ParseError("document is not UTF-8 text") from None


def _format(request, required: bool) -> str | None:
    fmt = request.query_params.get("format")
    if fmt is None:
        return "yaml" if required else None
    fmt = fmt.lower()
    if fmt not in FORMATS:
        raise exceptions.ValidationError({"format": [f"must be one of {', '.join(FORMATS)}"]})
    return fmt


class _FormatParamView(APIView):
    """``?format=`` names the document format here, not DRF's response renderer."""

    def perform_content_negotiation(self, request, force=False):
        return super().perform_content_negotiation(request, force=True)


class WhitelistExportView(_FormatParamView):
    """``GET /whitelists/export?format=yaml|json`` — the document ``import`` accepts."""

    required_scopes = {"GET": "admin"}

    @extend_schema(parameters=[OpenApiParameter("format", str, enum=list(FORMATS))], responses=OpenApiTypes.STR)
    def get(self, request):
        fmt = _format(request, required=True)
        response = HttpResponse(export_document(fmt), content_type=CONTENT_TYPES[fmt])
        response["Content-Disposition"] = f'attachment; filename="whitelists.{fmt}"'
        return response


class WhitelistImportView(_FormatParamView):
    """``POST /whitelists/import[?format=yaml|json&replace=true]`` — all or nothing."""

    required_scopes = {"POST": "admin"}
    parser_classes = [RawTextParser]

    @extend_schema(
        parameters=[OpenApiParameter("format", str, enum=list(FORMATS)), OpenApiParameter("replace", bool)],
        request=OpenApiTypes.STR,
    )
    def post(self, request):
        fmt = _format(request, required=False)
        replace = (request.query_params.get("replace") or "").lower() in ("1", "true", "yes")
        text = request.data if isinstance(request.data, str) else ""
        if not text.strip():
            raise exceptions.ValidationError({"detail": "empty document"})
        try:
            summary = import_document(text, fmt=fmt, replace=replace)
        except ImportRejected as exc:
            count = len(exc.errors)
            detail = f"import rejected, nothing was changed: {exc.errors[0]}" + (
                f" (and {count - 1} more)" if count > 1 else ""
            )
            raise exceptions.ValidationError({"detail": detail, "errors": exc.errors}) from None
        return Response(summary.as_dict())


router = SimpleRouter(trailing_slash=False)
router.register("whitelists", WhitelistViewSet, basename="whitelist")
