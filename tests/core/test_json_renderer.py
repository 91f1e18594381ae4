"""The API's JSON renderer writes exactly the bytes DRF's renderer writes."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest
from django.utils.functional import lazy
from rest_framework.renderers import JSONRenderer as DrfJSONRenderer
from rest_framework.utils.serializer_helpers import ReturnDict

from apps.core.renderers import JSONRenderer

lazy_text = lazy(lambda: "lazy text", str)


@pytest.mark.parametrize("data", [
    {"items": [{"id": 1, "title": "Übergabe – 漢字 😀", "tags": [], "conflicts": [2, 3], "x": None}], "page": 1},
    {"when": datetime(2025, 3, 3, 9, 0, tzinfo=UTC), "day": date(2025, 3, 3), "at": time(9, 30),
     "micro": datetime(2025, 3, 3, 9, 0, 0, 123456, tzinfo=UTC), "span": timedelta(minutes=90)},
    {"amount": Decimal("12.50"), "id": uuid.UUID("12345678-1234-5678-1234-567812345678"), "lazy": lazy_text()},
    {1: "int key", "nested": {"ok": True, "f": 1.5, "neg": -0.25}},
    {"big": 2**70, "list": (1, 2)},
    {"sep": "line\u2028para\u2029end", "quote": "\"\\/"},
    ReturnDict({"a": 1}, serializer=None),
    [],
    "plain",
])
def test_the_bytes_equal_drfs(data):
    assert JSONRenderer().render(data) == DrfJSONRenderer().render(data)


def test_indented_output_is_drfs_too():
    data = {"a": [1, 2], "b": "x"}
    context = {"indent": 2}
    assert JSONRenderer().render(data, "application/json", context) == DrfJSONRenderer().render(
        data, "application/json", context)


def test_unknown_objects_are_refused_as_drf_refuses_them():
    with pytest.raises(TypeError):
        JSONRenderer().render({"x": object()})


def test_api_answers_use_it(api, db):
    response = api(scopes=["events.read"]).get("/api/v1/events?range=-1")
    assert response.status_code == 200
    assert type(response.accepted_renderer) is JSONRenderer
    assert response.content == DrfJSONRenderer().render(response.json())


def test_switched_off_it_is_drfs_renderer(settings, monkeypatch):
    import orjson

    settings.CHRONOS = {**settings.CHRONOS, "api": {**settings.CHRONOS.get("api", {}), "orjson_renderer": False}}

    def refuse(*args, **kwargs):
        raise AssertionError("orjson used while switched off")

    monkeypatch.setattr(orjson, "dumps", refuse)
    data = {"items": [{"id": 1, "title": "Übergabe"}], "when": datetime(2025, 3, 3, 9, 0, tzinfo=UTC)}
    assert JSONRenderer().render(data) == DrfJSONRenderer().render(data)
