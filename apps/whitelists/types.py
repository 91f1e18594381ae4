"""Parameter types a whitelist entry can declare, with strict validation and coercion.

Values arrive as strings (from an ``ACTION:`` title) or as JSON values (from the API and
workflows). Each coercer returns the canonical JSON value stored on the command, or raises
:class:`ParamTypeError` with a short reason that ends up in the rejection message.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator

MAX_STRING = 10_000
_INT_RE = re.compile(r"^[+-]?\d{1,19}$")
_TRUE = {"true", "yes", "on", "1"}
_FALSE = {"false", "no", "off", "0"}
_email = EmailValidator()
_url = URLValidator(schemes=["http", "https"])


class ParamTypeError(ValueError):
    """A value that does not fit its declared type."""


def _int(value: Any) -> int:
    if isinstance(value, bool):
        raise ParamTypeError("expected an integer, got a boolean")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and _INT_RE.match(value.strip()):
        return int(value.strip())
    raise ParamTypeError(f"expected an integer, got {value!r}")


def _string(value: Any) -> str:
    if not isinstance(value, str):
        raise ParamTypeError(f"expected a string, got {type(value).__name__}")
    if len(value) > MAX_STRING:
        raise ParamTypeError(f"longer than {MAX_STRING} characters")
    return value


def _email_value(value: Any) -> str:
    if not isinstance(value, str):
        raise ParamTypeError(f"expected an e-mail address, got {type(value).__name__}")
    candidate = value.strip()
    try:
        _email(candidate)
    except ValidationError:
        raise ParamTypeError(f"{value!r} is not a valid e-mail address") from None
    return candidate


def _bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
    raise ParamTypeError(f"expected true/false, got {value!r}")


def _datetime(value: Any) -> str:
    if not isinstance(value, str):
        raise ParamTypeError(f"expected an ISO 8601 datetime, got {type(value).__name__}")
    raw = value.strip()
    try:
        parsed = datetime.fromisoformat(raw[:-1] + "+00:00" if raw.endswith(("Z", "z")) else raw)
    except ValueError:
        raise ParamTypeError(f"{value!r} is not an ISO 8601 datetime") from None
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise ParamTypeError(f"{value!r} has no UTC offset")
    try:
        in_utc = parsed.astimezone(UTC)
    except OverflowError:
        # 0001-01-01T00:00+01:00 is a valid ISO string whose UTC instant is before year 1.
        raise ParamTypeError(f"{value!r} is out of range in UTC") from None
    return in_utc.isoformat().replace("+00:00", "Z")


def _url_value(value: Any) -> str:
    if not isinstance(value, str):
        raise ParamTypeError(f"expected a URL, got {type(value).__name__}")
    candidate = value.strip()
    try:
        _url(candidate)
    except ValidationError:
        raise ParamTypeError(f"{value!r} is not a valid http(s) URL") from None
    return candidate


COERCERS: dict[str, Callable[[Any], Any]] = {
    "int": _int,
    "string": _string,
    "email": _email_value,
    "bool": _bool,
    "datetime": _datetime,
    "url": _url_value,
}


def coerce(type_name: str, value: Any) -> Any:
    return COERCERS[type_name](value)
