"""``page``/``page_size`` pagination answering ``{"items", "page", "page_size", "total_count"}``."""

from __future__ import annotations

from rest_framework import exceptions
from rest_framework.pagination import BasePagination
from rest_framework.response import Response

from chronos.config import current


def int_param(request, name: str, default: int, low: int, high: int | None) -> int:
    """An integer query parameter within bounds, or a 400 naming the parameter."""
    raw = request.query_params.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError:
        raise exceptions.ValidationError({name: [f"must be an integer, got {raw!r}"]}) from None
    if value < low or (high is not None and value > high):
        bound = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise exceptions.ValidationError({name: [f"must be {bound}, got {value}"]})
    return value


class PagePagination(BasePagination):
    """Page-number pagination with the contract's envelope; also accepts legacy ``limit``/``offset``."""

    def __init__(self) -> None:
        api = current().api
        self.default_size = api.default_page_size
        self.max_size = api.max_page_size

    def window(self, request) -> tuple[int, int, int]:
        """Return ``(offset, limit, page)`` from the query string."""
        params = request.query_params
        # Every given parameter is checked, including the ones the other style would ignore.
        page = int_param(request, "page", 1, 1, 10**7)
        size = int_param(request, "page_size", self.default_size, 1, self.max_size)
        limit = int_param(request, "limit", self.default_size, 1, self.max_size)
        offset = int_param(request, "offset", 0, 0, 10**9)
        if params.get("page") in (None, "") and (params.get("limit") or params.get("offset")):
            return offset, limit, offset // limit + 1
        return (page - 1) * size, size, page

    def paginate_queryset(self, queryset, request, view=None):
        offset, limit, page = self.window(request)
        self.page, self.page_size = page, limit
        self.total_count = queryset.count() if hasattr(queryset, "count") else len(queryset)
        if offset and offset >= self.total_count:
            raise exceptions.NotFound(f"Page {page} is beyond the last page ({self.total_count} items).")
        return list(queryset[offset : offset + limit])

    def get_paginated_response(self, data):
        return Response(
            {"items": data, "page": self.page, "page_size": self.page_size, "total_count": self.total_count}
        )

    def get_schema_operation_parameters(self, view):
        def integer(name: str, low: int, high: int, text: str) -> dict:
            return {"name": name, "in": "query", "required": False, "description": text,
                    "schema": {"type": "integer", "minimum": low, "maximum": high}}

        return [
            integer("page", 1, 10**7, "Page number, from 1."),
            integer("page_size", 1, self.max_size, f"Items per page (default {self.default_size})."),
            integer("limit", 1, self.max_size, "Legacy, without `page`: items per page."),
            integer("offset", 0, 10**9, "Legacy, without `page`: items to skip."),
        ]

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "properties": {
                "items": schema,
                "page": {"type": "integer"},
                "page_size": {"type": "integer"},
                "total_count": {"type": "integer"},
            },
            "required": ["items", "page", "page_size", "total_count"],
        }
