"""The API's JSON renderer: DRF's output, written by orjson.

A page of 100 events is ~60 KB of JSON; the standard library's encoder spends over a
millisecond on it, orjson a tenth of that. Values orjson does not write the way DRF does
(dates and times, lazy strings, decimals, anything unknown) go through DRF's own encoder, and
whatever orjson refuses (integers beyond 64 bits, say) is rendered by DRF's renderer instead,
so the bytes stay DRF's, with two exceptions: very small or large floats may be spelled
differently (``0.00001`` for ``1e-05``: the same number), and a float NaN or infinity is
written as ``null`` where DRF's strict mode raises (the API never produces one).

A shortcut past DRF's rendering: ``api.orjson_renderer: false`` leaves every answer to DRF's
renderer; ``bench/api_json.py`` measures both and ``tests/core/test_json_renderer.py`` holds them
to the same bytes.
"""

from __future__ import annotations

import json

import orjson
from rest_framework import renderers
from rest_framework.utils.encoders import JSONEncoder

from chronos.config import current

_OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME
_encoder = JSONEncoder()


class JSONRenderer(renderers.JSONRenderer):
    def render(self, data, accepted_media_type=None, renderer_context=None):
        if (
            data is None
            or not current().api.orjson_renderer
            or self.get_indent(accepted_media_type, renderer_context or {}) is not None
            or not self.compact
            or self.ensure_ascii
            or self.encoder_class is not JSONEncoder
        ):
            return super().render(data, accepted_media_type, renderer_context)
        try:
            out = orjson.dumps(data, default=_encoder.default, option=_OPTIONS)
        except orjson.JSONEncodeError:
            return self._standard(data, accepted_media_type, renderer_context)
        if b"\xe2\x80\xa8" in out or b"\xe2\x80\xa9" in out:
            # As DRF: line and paragraph separators escaped, so the JSON is also valid JavaScript.
            out = out.replace("\u2028".encode(), b"\\u2028").replace("\u2029".encode(), b"\\u2029")
        return out

    def _standard(self, data, accepted_media_type, renderer_context) -> bytes:
        try:
            return super().render(data, accepted_media_type, renderer_context)
        except UnicodeEncodeError:
            # A lone surrogate echoed from the request (JSON allows "\ud800", UTF-8 does not):
            # written as the \u escape it came in as.
            return json.dumps(data, cls=self.encoder_class, ensure_ascii=True, allow_nan=not self.strict,
                              separators=(",", ":")).encode("ascii")
