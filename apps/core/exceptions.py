"""One error shape for the whole API: ``{"detail": "...", <field>: [...]}``."""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError, IntegrityError
from django.http import Http404, JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

logger = logging.getLogger(__name__)


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "Conflict with the current state."
    default_code = "conflict"


class Unprocessable(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = "The request cannot be processed."
    default_code = "unprocessable"


def _first_message(data) -> str:
    if isinstance(data, list) and data:
        return _first_message(data[0])
    if isinstance(data, dict) and data:
        key, value = next(iter(data.items()))
        inner = _first_message(value)
        return inner if key in ("detail", "non_field_errors") else f"{key}: {inner}"
    return str(data)


def api_exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(exc.message_dict if hasattr(exc, "error_dict") else exc.messages)
    elif isinstance(exc, (DataError, OverflowError)):
        # e.g. an id beyond the column's range or a date the database cannot hold.
        exc = exceptions.ValidationError({"detail": "A value is out of the range the store accepts."})
    elif isinstance(exc, IntegrityError):
        exc = Conflict(f"Conflicts with existing data: {exc}".split("\n")[0])
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound(str(exc) or "Not found.")
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()

    response = exception_handler(exc, context)
    if response is None:
        return None
    data = response.data
    if isinstance(exc, exceptions.ValidationError):
        if isinstance(data, dict):
            if "detail" not in data:
                data = {"detail": f"Invalid input: {_first_message(data)}", **data}
        else:
            data = {"detail": f"Invalid input: {_first_message(data)}", "errors": data}
    elif not isinstance(data, dict):
        data = {"detail": _first_message(data)}
    response.data = data
    return response


def json_404(request, exception=None):
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Not found."}, status=404)
    from django.views.defaults import page_not_found

    return page_not_found(request, exception)


def json_500(request):
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Internal server error. The request id is in the X-Request-ID header."}, status=500)
    from django.views.defaults import server_error

    return server_error(request)


def json_400(request, exception=None):
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Bad request."}, status=400)
    from django.views.defaults import bad_request

    return bad_request(request, exception)


def json_403(request, exception=None):
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Forbidden."}, status=403)
    from django.views.defaults import permission_denied

    return permission_denied(request, exception)


def response_for(status_code: int, detail: str) -> Response:
    return Response({"detail": detail}, status=status_code)
