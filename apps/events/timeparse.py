"""Parsing request times: ISO 8601 with an offset (naive is refused), dates for all-day events."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

MIN_YEAR = 1900
MAX_YEAR = 2200
_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class TimeError(ValueError):
    """A request time that cannot be accepted; the message is shown to the client."""


def zone(name: str) -> ZoneInfo:
    if not isinstance(name, str) or not name or len(name) > 64 or "\x00" in name:
        raise TimeError(f"{name!r} is not an IANA time zone (e.g. Europe/Berlin).")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise TimeError(f"{name!r} is not an IANA time zone (e.g. Europe/Berlin).") from None


def zone_or_utc(name: str | None) -> ZoneInfo:
    """The named zone, or UTC when the name is empty or not a zone (for showing a stored value)."""
    try:
        return zone(name or "UTC")
    except TimeError:
        return zone("UTC")


def local_time(value: datetime, zone_name: str | None) -> str:
    """How a person reads an instant: in the zone, on a 24-hour clock, the zone named
    ("Mon 03 Mar 2025 10:00 Europe/Berlin"; UTC when the name is not a zone)."""
    tz = zone_or_utc(zone_name)
    return f"{value.astimezone(tz):%a %d %b %Y %H:%M} {tz.key}"


def _check_year(year: int) -> None:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise TimeError(f"year {year} is outside the supported range {MIN_YEAR}..{MAX_YEAR}.")


def parse_date(value: str) -> date:
    if not isinstance(value, str) or not _DATE_ONLY.match(value.strip()):
        raise TimeError(f"{value!r} is not a date (YYYY-MM-DD).")
    try:
        parsed = date.fromisoformat(value.strip())
    except ValueError:
        raise TimeError(f"{value!r} is not a valid calendar date.") from None
    _check_year(parsed.year)
    return parsed


def parse_instant(value, *, allow_date: bool = True) -> datetime | date:
    """An aware UTC datetime, or a ``date`` when the value is ``YYYY-MM-DD`` and dates are allowed."""
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str):
        text = value.strip()
        if _DATE_ONLY.match(text):
            if not allow_date:
                raise TimeError(f"{value!r} has no time; give a datetime with an offset.")
            return parse_date(text)
        if len(text) > 64:
            raise TimeError("not an ISO 8601 datetime.")
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            raise TimeError(f"{value!r} is not an ISO 8601 datetime.") from None
    else:
        raise TimeError("expected an ISO 8601 datetime string.")
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise TimeError(f"{value!s} has no UTC offset; add Z or +HH:MM.")
    _check_year(parsed.year)
    try:
        result = parsed.astimezone(UTC)
    except (OverflowError, ValueError):
        raise TimeError(f"{value!s} is out of range.") from None
    _check_year(result.year)
    return result


def db_datetime(value) -> datetime | None:
    """A datetime column read with a plain cursor as an aware UTC datetime.

    SQLite hands back its stored text (UTC, no offset); other databases a datetime.
    """
    if isinstance(value, str):
        # Appending the offset is cheaper than replace(tzinfo=...) after parsing.
        return datetime.fromisoformat(value + "+00:00" if len(value) <= 26 else value)
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def local_midnight(day: date, tz: ZoneInfo) -> datetime:
    """Start of ``day`` in ``tz`` as UTC (fold=0: the first midnight if a DST change repeats it)."""
    return datetime.combine(day, time.min, tz).astimezone(UTC)
