"""What the OpenAPI schema at ``/api/schema/`` says beyond what DRF's views tell drf-spectacular.

- the API-key scheme (``Authorization: Bearer <key>``) the views accept;
- the error answers every operation can give (``{"detail": ..., <field>: [...]}``): 400 for bad
  input, 401/403 without a key or its scope, 404 for unknown ids and pages past the end,
  413/415 for bodies, 409/422 for ``Idempotency-Key`` conflicts, each only where it can happen;
- the ``Idempotency-Key`` header on every create that honours it.

Each app documents its own views in its ``openapi.py`` (found by :func:`discover_app_schemas`), with
``OpenApiViewExtension`` subclasses made by :func:`document`: the views stay as they are, and
the schema of each one sits in one place. ``tests/core/test_openapi_schema.py`` fails on any
error or warning of the generator, and ``make test-schema`` checks the schema against the
running server.
"""

from __future__ import annotations

from typing import Any

from django.utils.module_loading import autodiscover_modules
from drf_spectacular import openapi
from drf_spectacular.extensions import OpenApiAuthenticationExtension, OpenApiViewExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema_view
from rest_framework import serializers

from apps.core.idempotency import HEADER as IDEMPOTENCY_HEADER


class ApiKeyScheme(OpenApiAuthenticationExtension):
    """``Authorization: Bearer chr_<key id>_<secret>`` (see ``apps.core.auth``)."""

    target_class = "apps.core.auth.ApiKeyAuthentication"
    name = "bearerAuth"
    priority = 1

    def get_security_definition(self, auto_schema):
        scheme = build_bearer_security_scheme_object(header_name="Authorization", token_prefix="Bearer")
        scheme["description"] = (
            "An API key (`chr_<key id>_<secret>`), created in the admin or with `manage.py apikey create`. "
            "Each operation needs the scope named in its description."
        )
        return scheme


class ErrorSerializer(serializers.Serializer):
    """Every 4xx answer: a readable ``detail``, for validation errors also the per-field messages."""

    detail = serializers.CharField(help_text="What is wrong, in words.")


ERROR = ErrorSerializer

IDEMPOTENCY_KEY = OpenApiParameter(
    IDEMPOTENCY_HEADER,
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description=(
        "1..255 characters. A repeat with the same key and body answers the first response again "
        "(header `Idempotent-Replayed: true`) and creates nothing; the same key with another body is 422, "
        "a repeat while the first is still running 409. Keys are kept per API key for at least 24 h."
    ),
)

NO_NUL = r"^[^\x00]*$"
NOT_BLANK = r"^[^\x00]*[^\s\x00][^\x00]*$"

_ERROR_TEXT = {
    400: "Invalid input: `detail` says what is wrong, and per-field messages name the fields.",
    401: "No API key, or one that is unknown, revoked or expired.",
    403: "The API key lacks the scope this operation needs.",
    404: "No such object (or a page past the last one).",
    409: "Conflicts with the current state.",
    413: "The request body is larger than the configured limit.",
    415: "The request body is not of a supported media type (send application/json).",
    422: f"The {IDEMPOTENCY_HEADER} was already used with a different request body.",
}


def _json_kind(field: serializers.JSONField) -> str | None:
    """``object`` or ``array`` when a JSON field's default (or its model field's) says which it holds."""
    default = field.default
    if default is serializers.empty:
        parent = getattr(field, "parent", None)
        model = getattr(getattr(parent, "Meta", None), "model", None)
        if model is None:
            return None
        try:
            default = model._meta.get_field(field.source).default
        except Exception:  # noqa: BLE001  (not a model field: nothing to say)
            return None
    value = default() if callable(default) else default
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list):
        return "array"
    return None


def error(code: int, description: str | None = None) -> OpenApiResponse:
    """A documented error answer (``{"detail": ...}``) for ``extend_schema(responses=...)``."""
    return OpenApiResponse(ErrorSerializer, description=description or _ERROR_TEXT.get(code, ""))


def honours_idempotency_key(view, method: str) -> bool:
    """True when the handler of ``method`` on ``view`` is wrapped by ``apps.core.idempotency.idempotent``."""
    action = getattr(view, "action", None)
    handler = getattr(view, action, None) if action else None
    if handler is None:
        handler = getattr(view, method.lower(), None)
    return bool(getattr(handler, "honours_idempotency_key", False))


class AutoSchema(openapi.AutoSchema):
    """drf-spectacular's schema plus the error answers and headers every view shares."""

    def get_tags(self) -> list[str]:
        # Grouped in /docs by what the path names: events, commands, templates ...
        segments = [s for s in self.path.split("/") if s and not s.startswith("{")]
        if segments[:2] == ["api", "v1"] and len(segments) > 2:
            return [segments[2]]
        return super().get_tags()

    def _is_public(self) -> bool:
        return bool(getattr(self.view, "public", False))

    def _get_parameters(self) -> list[dict[str, Any]]:
        parameters = super()._get_parameters()
        strict = getattr(self.view, "query_params_refusing_empty", ())
        for parameter in parameters:
            # The views read ``?x=`` as if ``x`` were absent (a blank form field filters nothing).
            if parameter.get("in") == "query" and parameter["name"] not in strict:
                parameter["allowEmptyValue"] = True
        if self.method == "POST" and honours_idempotency_key(self.view, self.method):
            if not any(p.get("name") == IDEMPOTENCY_HEADER and p.get("in") == "header" for p in parameters):
                parameters.append({"name": IDEMPOTENCY_HEADER, "in": "header", "required": False,
                                   "description": IDEMPOTENCY_KEY.description})
        for parameter in parameters:
            if parameter.get("name") == IDEMPOTENCY_HEADER and parameter.get("in") == "header":
                parameter["schema"] = {"type": "string", "minLength": 1, "maxLength": 255, "pattern": r"\S"}
        return parameters

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        if isinstance(field, serializers.BooleanField) and direction == "request":
            # DRF takes more than JSON's true/false; say exactly what (and nothing else) is accepted.
            words = sorted(v for v in (*field.TRUE_VALUES, *field.FALSE_VALUES) if isinstance(v, str))
            schema = {"oneOf": [{"type": "boolean"}, {"type": "string", "enum": words},
                                {"type": "integer", "enum": [0, 1]}],
                      "description": "true or false; the strings listed and 0/1 are accepted too.",
                      **({"nullable": True} if field.allow_null else {})}
        elif type(field) in (serializers.CharField, serializers.EmailField) and direction == "request":
            # DRF's CharField stores a JSON number as its text and refuses NUL characters.
            text = {**schema}
            # Blanks are trimmed first: a required text needs one character that is not blank.
            text.setdefault("pattern", NOT_BLANK if not field.allow_blank and field.trim_whitespace else NO_NUL)
            extra = {k: text.pop(k) for k in ("description", "nullable", "readOnly", "writeOnly", "default")
                     if k in text}
            schema = text if type(field) is serializers.EmailField else {"anyOf": [text, {"type": "number"}], **extra}
        elif isinstance(field, serializers.JSONField) and "type" not in schema:
            kind = _json_kind(field)
            if kind is not None:
                schema = {**schema, "type": kind}
                if field.allow_null:
                    schema["nullable"] = True
        return schema

    def _error_codes(self, operation_has_body: bool, operation_has_query: bool) -> list[int]:
        codes: list[int] = []
        if operation_has_body or operation_has_query:
            codes.append(400)
        if not self._is_public():
            codes += [401, 403]
        if "{" in self.path or self._is_list_view():
            codes.append(404)
        if operation_has_body:
            codes += [413, 415]
        if self.method == "POST" and honours_idempotency_key(self.view, self.method):
            codes += [400, 409, 422]
        return codes

    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        has_body = "requestBody" in operation
        if has_body:
            content = operation["requestBody"].get("content", {}).get("application/json", {})
            if "anyOf" in content.get("schema", {}):
                # A body that must name one of several fields cannot be left out either.
                operation["requestBody"]["required"] = True
        has_query = any(p.get("in") == "query" for p in operation.get("parameters", []))
        responses = operation["responses"]
        if any(p.get("name") == IDEMPOTENCY_HEADER for p in operation.get("parameters", [])):
            has_query = True  # an unusable key is a 400 like bad input
        for code in self._error_codes(has_body, has_query):
            if str(code) not in responses:
                responses[str(code)] = self._get_response_for_code(error(code), str(code))
        operation["responses"] = dict(sorted(responses.items()))
        return operation


def document(view_class: type, *, refusing_empty: tuple[str, ...] = (), **per_action) -> type[OpenApiViewExtension]:
    """An ``OpenApiViewExtension`` that applies ``extend_schema_view(**per_action)`` to ``view_class``.

    ``per_action`` maps viewset actions or HTTP methods (``get``, ``post`` ...) to ``extend_schema``
    results, as ``extend_schema_view`` takes them. ``refusing_empty`` names the query parameters
    the view refuses when empty (all others read ``?x=`` as if ``x`` were absent).
    """

    def view_replacement(self):
        return extend_schema_view(**per_action)(type(view_class.__name__, (self.target_class,), {
            "__module__": view_class.__module__, "__doc__": view_class.__doc__,
            "query_params_refusing_empty": refusing_empty}))

    return type(f"{view_class.__name__}Schema", (OpenApiViewExtension,), {
        "target_class": view_class, "view_replacement": view_replacement})


def discover_app_schemas(endpoints):
    """Preprocessing hook: import every app's ``openapi`` module before the views are described."""
    autodiscover_modules("openapi")
    return endpoints
