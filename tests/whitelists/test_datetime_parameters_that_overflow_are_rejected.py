from __future__ import annotations

import pytest

from apps.whitelists.services import CommandRejected, validate_command
from apps.whitelists.types import ParamTypeError, coerce
from tests.whitelists.factories import allow


@pytest.mark.parametrize("value", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00"])
def test_a_datetime_that_overflows_in_utc_is_a_type_error(value):
    with pytest.raises(ParamTypeError, match="out of range"):
        coerce("datetime", value)


@pytest.mark.django_db
def test_an_overflowing_datetime_parameter_rejects_the_command():
    allow("LAB", "AT", {"d": "datetime"}, ["d"])
    with pytest.raises(CommandRejected, match="out of range"):
        validate_command(system="LAB", action="AT", params={"d": "0001-01-01T00:00:00+01:00"})
