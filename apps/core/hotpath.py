"""Shortcuts for the hottest API requests: command polls and completions, event creates.

DRF's general machinery answers these requests as usual; these shortcuts only skip work
whose outcome is known in advance for the plain requests clients send, and leave everything
else (other Accept headers, ``?format=``, other bodies, every error) to DRF itself.
"""

from __future__ import annotations

import json

from django.http.request import RawPostDataException
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.utils.json import strict_constant

from apps.core.renderers import JSONRenderer

_JSON_ACCEPTS = frozenset({None, "*/*", "application/json"})
SMALL_BODY = 64 * 1024


class JSONFirstNegotiation(DefaultContentNegotiation):
    """DRF's negotiation; for ``Accept: application/json``, ``*/*`` or none it picks the JSON renderer at once.

    That is the answer the full negotiation gives for these headers when the JSON renderer comes
    first, as it does in the default renderer classes.
    """

    def select_renderer(self, request, renderers, format_suffix=None):
        first = renderers[0] if renderers else None
        if (
            type(first) is JSONRenderer
            and first.media_type == "application/json"
            and format_suffix is None
            and request.META.get("HTTP_ACCEPT") in _JSON_ACCEPTS
            and self.settings.URL_FORMAT_OVERRIDE not in request.query_params
        ):
            return first, "application/json"
        return super().select_renderer(request, renderers, format_suffix)


def json_object_body(request) -> dict | None:
    """A small UTF-8 ``application/json`` body holding a JSON object, decoded as DRF's parser would.

    None for anything else (another type or charset, a large or empty body, invalid JSON,
    NaN/Infinity, not an object): ``request.data`` then answers, with DRF's own 400s.
    """
    django_request = request._request
    if django_request.content_type != "application/json":
        return None
    charset = django_request.content_params.get("charset")
    if charset is not None and charset.lower() not in ("utf-8", "utf8"):
        return None
    try:
        length = int(django_request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return None
    if not 0 < length <= SMALL_BODY:
        return None
    try:
        data = json.loads(django_request.body.decode("utf-8"), parse_constant=strict_constant)
    except (RawPostDataException, ValueError):  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        return None
    return data if type(data) is dict else None


class HotPathMixin:
    """The quick negotiation, and the default headers built once per view class.

    Only for ``APIView`` classes serving one route: the cached headers include ``Allow``,
    which differs between the list and detail routes of a viewset.
    """

    content_negotiation_class = JSONFirstNegotiation

    @property
    def default_response_headers(self):
        cls = type(self)
        headers = cls.__dict__.get("_default_headers")
        if headers is None:
            headers = super().default_response_headers
            cls._default_headers = headers
        return dict(headers)  # DRF pops "Vary" off its copy
