"""JSON from outside, with a limit on nesting: one parser for the API and every other JSON input.

The standard library's decoder recurses once per ``[`` or ``{``: a 2 KB body of ``[[[[…``
raises ``RecursionError``, which is no ``ValueError`` and so escapes every ``except
ValueError`` around a decode as a 500. Deep documents that do decode are still trouble further
on (orjson refuses to write more than 255 levels, recursive code walks them). So the depth is
counted before decoding, and a document nested deeper than :data:`MAX_DEPTH` is refused with
:class:`TooDeeplyNested`, a ``ValueError`` (a ``json.JSONDecodeError`` even), which callers
already turn into a clear 400.

:class:`JSONParser` is DRF's parser on top of :func:`loads`, the default parser of the API
(``REST_FRAMEWORK["DEFAULT_PARSER_CLASSES"]``); code that decodes a body or a user-written
document itself calls :func:`loads`; admin forms with JSON fields use :class:`Decoder` through
:class:`JSONFieldsAdminMixin`.
"""

from __future__ import annotations

import json
from typing import Any

from rest_framework import parsers
from rest_framework.exceptions import ParseError
from rest_framework.utils.json import strict_constant

# Far beyond any document the API takes (events, templates, whitelists nest a few levels),
# far below the interpreter's recursion limit and orjson's 255 levels.
MAX_DEPTH = 128

# Brackets become "(" and ")", every other byte goes (one C-level translate).
_AS_PARENS = bytes.maketrans(b"[{]}", b"(())")
_NOT_BRACKETS = bytes(c for c in range(256) if c not in b"[]{}")


class TooDeeplyNested(json.JSONDecodeError):
    """The document nests arrays/objects deeper than allowed."""

    def __init__(self, doc: str | bytes, limit: int) -> None:
        text = doc if isinstance(doc, str) else doc.decode("utf-8", "replace")
        super().__init__(f"nested deeper than {limit} levels", text, 0)
        self.args = (self.msg,)  # no position: the depth is measured without locating it

    def __str__(self) -> str:
        return self.msg


def check_depth(doc: str | bytes, limit: int = MAX_DEPTH) -> None:
    """Raise :class:`TooDeeplyNested` when ``doc`` opens more than ``limit`` levels at once.

    Done with bytes operations that run in C, costing about what decoding costs: escaped
    backslashes and quotes are dropped, the text between quotes (string contents, whose
    brackets do not nest) is cut out, the brackets left become ``(`` and ``)``, and each
    ``replace(b"()", b"")`` then removes the innermost level everywhere. Whatever is left after
    ``limit`` passes is nested deeper. An unbalanced document (invalid JSON) stops the passes
    early and is left to the decoder to refuse.
    """
    if isinstance(doc, str):
        if doc.count("[") + doc.count("{") <= limit:
            return  # cannot nest deeper than it has brackets: the usual, small document stops here
        raw = doc.encode("utf-8", "surrogatepass")
    else:
        if doc.count(b"[") + doc.count(b"{") <= limit:
            return
        raw = doc
    if b"\\" in raw:
        raw = raw.replace(b"\\\\", b"").replace(b'\\"', b"")
    brackets = b"".join(raw.split(b'"')[::2]).translate(_AS_PARENS, _NOT_BRACKETS)
    for _ in range(limit):
        shorter = brackets.replace(b"()", b"")
        if len(shorter) == len(brackets):
            return  # empty (every level gone) or unbalanced: no deeper than the passes so far
        brackets = shorter
    if brackets:
        raise TooDeeplyNested(doc, limit)


class Decoder(json.JSONDecoder):
    """A ``json.JSONDecoder`` with the nesting limit, for ``cls=``/``decoder=`` arguments (form fields)."""

    def decode(self, s: str, *args: Any, **kwargs: Any) -> Any:
        check_depth(s)
        try:
            return super().decode(s, *args, **kwargs)
        except RecursionError:
            raise TooDeeplyNested(s, MAX_DEPTH) from None


class JSONFieldsAdminMixin:
    """ModelAdmin mixin: the form fields of model ``JSONField`` s decode with :class:`Decoder`.

    Django's form ``JSONField`` turns a decode error into "Enter a valid JSON." but lets the
    standard decoder's ``RecursionError`` through as a 500.
    """

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        from django.db import models

        if isinstance(db_field, models.JSONField):
            kwargs.setdefault("decoder", Decoder)
        return super().formfield_for_dbfield(db_field, request, **kwargs)


def loads(doc: str | bytes, *, limit: int = MAX_DEPTH, **kwargs: Any) -> Any:
    """``json.loads`` that refuses documents nested deeper than ``limit`` (a ``ValueError``)."""
    check_depth(doc, limit)
    try:
        return json.loads(doc, **kwargs)
    except RecursionError:
        # Only an unbalanced document gets here ("[" * 5000, no closers): invalid, and deep.
        raise TooDeeplyNested(doc, limit) from None


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser with the nesting limit; its 400s read as DRF's do."""

    def parse(self, stream, media_type=None, parser_context=None):
        encoding = parsers.get_encoding(parser_context or {})  # text codecs only, as DRF checks
        raw = stream.read() if stream is not None else b""
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError as exc:
            raise ParseError(f"JSON parse error - {exc}") from None
        try:
            return loads(text, parse_constant=strict_constant if self.strict else None)
        except ValueError as exc:
            raise ParseError(f"JSON parse error - {exc}") from None
