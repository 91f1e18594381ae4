"""The audit snapshot converts values exactly as a JSON round trip with DjangoJSONEncoder would."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models

from apps.audit.registry import _jsonable


class Colour(models.TextChoices):
    RED = "red"


class Size(models.IntegerChoices):
    BIG = 3


VALUES = [
    None, True, False, 0, -7, 2**70, 1.5, "", "t\u00e9xt \U0001f600", Colour.RED, Size.BIG,
    datetime(2026, 5, 4, 9, 30, 15, 123456, tzinfo=UTC), datetime(2026, 5, 4, 9, 30), date(2026, 2, 28),
    time(7, 5, 1, 500), timedelta(days=1, seconds=5), Decimal("1.10"), uuid.UUID(int=5),
    ["a", ("b", 1)], {"k": [Colour.RED, {"n": None}]}, {1: "int key", None: "none key"}, [],
    {},
]


def test_each_value_matches_a_json_round_trip():
    for value in VALUES:
        expected = json.loads(json.dumps(value, cls=DjangoJSONEncoder))
        got = _jsonable(value)
        assert got == expected and type(got) is type(expected), value
        assert json.dumps(got) == json.dumps(expected)
