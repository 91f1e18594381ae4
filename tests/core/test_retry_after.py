"""One reading of ``Retry-After`` for every HTTP client: delay seconds or an HTTP date."""

from datetime import UTC, datetime

from apps.core.timefmt import parse_retry_after

NOW = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)


def test_delay_seconds_are_read_as_given_and_never_negative():
    assert parse_retry_after("120", now=NOW) == 120.0
    assert parse_retry_after(" 1.5 ", now=NOW) == 1.5
    assert parse_retry_after("-5", now=NOW) == 0.0


def test_an_http_date_is_the_time_left_until_it():
    assert parse_retry_after("Sun, 01 Mar 2026 12:00:30 GMT", now=NOW) == 30.0
    assert parse_retry_after("Sun, 01 Mar 2026 12:00:30 -0000", now=NOW) == 30.0
    assert parse_retry_after("Sun, 01 Mar 2026 11:00:00 GMT", now=NOW) == 0.0


def test_a_missing_or_unreadable_header_leaves_the_backoff_to_the_caller():
    assert parse_retry_after(None) is None
    assert parse_retry_after("") is None
    assert parse_retry_after("soon") is None
