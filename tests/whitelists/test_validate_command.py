from __future__ import annotations

import pytest

from apps.whitelists.services import CommandRejected, validate_command
from tests.whitelists.factories import allow

pytestmark = pytest.mark.django_db

TYPES = {"n": "int", "s": "string", "e": "email", "b": "bool", "d": "datetime", "u": "url"}


@pytest.fixture(autouse=True)
def entries():
    allow("LAB", "RUN", TYPES, ["n"])
    allow("LAB", "OFF", {}, [], enabled=False)


def rejection(**kwargs) -> str:
    with pytest.raises(CommandRejected) as info:
        validate_command(**kwargs)
    return info.value.reason


def test_it_coerces_every_type_from_strings():
    cleaned = validate_command(
        system="lab",
        action="run",
        params={
            "n": "42",
            "s": "hi there",
            "e": " a@example.com ",
            "b": "Yes",
            "d": "2026-03-01T10:00:00+02:00",
            "u": "https://example.com/x",
        },
    )
    assert cleaned == {
        "n": 42,
        "s": "hi there",
        "e": "a@example.com",
        "b": True,
        "d": "2026-03-01T08:00:00Z",
        "u": "https://example.com/x",
    }


def test_it_accepts_native_json_values():
    assert validate_command(system="LAB", action="RUN", params={"n": 7, "b": False}) == {"n": 7, "b": False}


def test_it_rejects_an_unknown_system():
    assert rejection(system="NOPE", action="RUN", params={}) == "system 'NOPE' is not whitelisted"


def test_it_rejects_an_action_the_system_does_not_allow():
    assert rejection(system="LAB", action="EXPLODE", params={}) == "command 'EXPLODE' is not allowed for system 'LAB'"


def test_it_rejects_a_disabled_action():
    assert rejection(system="LAB", action="OFF", params={}) == "command 'OFF' for system 'LAB' is disabled"


def test_it_rejects_a_parameter_that_is_not_allowed():
    assert (
        rejection(system="LAB", action="RUN", params={"n": 1, "x": "1"})
        == "parameter 'x' is not allowed for RUN on LAB"
    )


def test_it_rejects_a_missing_required_parameter():
    assert rejection(system="LAB", action="RUN", params={"s": "x"}) == "missing required parameter 'n' for RUN on LAB"


@pytest.mark.parametrize(
    ("name", "value", "reason"),
    [
        ("n", "4.5", "parameter 'n' must be of type int: expected an integer, got '4.5'"),
        ("n", True, "parameter 'n' must be of type int: expected an integer, got a boolean"),
        ("s", 5, "parameter 's' must be of type string: expected a string, got int"),
        ("e", "not-an-address", "parameter 'e' must be of type email: 'not-an-address' is not a valid e-mail address"),
        ("b", "maybe", "parameter 'b' must be of type bool: expected true/false, got 'maybe'"),
        ("d", "2026-03-01T10:00:00", "parameter 'd' must be of type datetime: '2026-03-01T10:00:00' has no UTC offset"),
        ("d", "tomorrow", "parameter 'd' must be of type datetime: 'tomorrow' is not an ISO 8601 datetime"),
        ("u", "ftp://example.com", "parameter 'u' must be of type url: 'ftp://example.com' is not a valid http(s) URL"),
    ],
)
def test_it_rejects_a_value_of_the_wrong_type_with_the_reason(name, value, reason):
    params = {"n": 1, name: value}
    assert rejection(system="LAB", action="RUN", params=params) == reason


def test_it_rejects_parameters_that_are_not_an_object():
    assert rejection(system="LAB", action="RUN", params=["n"]) == "parameters must be an object of name: value"
