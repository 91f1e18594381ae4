"""JSON nested deeper than the parser allows is a 400 naming the problem, on every endpoint."""

from __future__ import annotations

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from apps.core import jsonparse

pytestmark = pytest.mark.django_db

DEEP = "[" * 1000  # 1 KB: what made the standard decoder raise RecursionError (a 500)
DEEP_VALID = '{"title": ' + "[" * 200 + "]" * 200 + "}"  # decodes, but deeper than allowed


def _api_routes() -> list[str]:
    """Every route under /api/v1/, path parameters filled with 1."""
    routes: list[str] = []

    def walk(patterns, prefix: str) -> None:
        for entry in patterns:
            pattern = str(entry.pattern)
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, prefix + pattern)
            elif isinstance(entry, URLPattern):
                routes.append(prefix + pattern)

    walk(get_resolver().url_patterns, "")
    paths = set()
    for route in routes:
        if not route.startswith("api/v1/"):
            continue
        path = re.sub(r"<[^>]+>", "1", route)
        path = re.sub(r"\(\?P<[^>]+>[^)]*\)", "1", path)
        path = path.replace("^", "").replace("$", "").replace("\\.", ".").replace("\\", "")
        paths.add("/" + path.split("(?")[0].rstrip("/"))
    return sorted(p for p in paths if "format" not in p)


def test_every_json_endpoint_answers_deep_nesting_with_a_400_or_an_earlier_refusal(admin_api):
    routes = _api_routes()
    assert len(routes) > 30
    parsed = []
    for path in routes:
        for method in ("post", "put", "patch"):
            response = getattr(admin_api, method)(path, data=DEEP, content_type="application/json")
            assert response.status_code != 500, (method, path)
            if response.status_code == 400 and "nested deeper" in response.json()["detail"]:
                parsed.append((method, path))
            else:  # refused before the body was read: unknown object, method not allowed, ...
                assert response.status_code in (400, 401, 403, 404, 405, 409, 415), (method, path, response.content)
    # The endpoints that read a JSON body all said why.
    assert ("post", "/api/v1/events") in parsed
    assert ("post", "/api/v1/templates") in parsed
    assert ("post", "/api/v1/webhook-endpoints") in parsed
    assert ("post", "/api/v1/availability") in parsed
    assert len(parsed) > 15


@pytest.mark.parametrize("body", [DEEP, DEEP_VALID])
def test_an_event_create_with_deep_nesting_is_a_400_with_a_detail(admin_api, body):
    response = admin_api.post("/api/v1/events", data=body, content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {"detail": "JSON parse error - nested deeper than 128 levels"}


def test_nesting_up_to_the_limit_is_accepted(admin_api):
    tags = "[" * 127 + "]" * 127
    response = admin_api.post("/api/v1/events", content_type="application/json",
                              data='{"title": "Deep", "start_time": "2031-01-01T08:00:00Z", '
                                   f'"end_time": "2031-01-01T09:00:00Z", "tags": [], "x": {tags}}}')
    assert response.status_code == 201, response.content


def test_a_deep_whitelist_import_is_refused_in_json_and_yaml(admin_api):
    for fmt in ("json", "yaml"):
        response = admin_api.post(f"/api/v1/whitelists/import?format={fmt}", data="[" * 5000,
                                  content_type="text/plain")
        assert response.status_code == 400, (fmt, response.content)
        assert "nested" in response.json()["detail"], response.json()


def test_a_deep_webhook_template_body_is_refused(admin_api):
    response = admin_api.post("/api/v1/templates", format="json", data={
        "type": "webhook", "title": "Deep", "body_json": "[" * 1000 + "]" * 1000})
    assert response.status_code == 400, response.content
    assert "nested deeper than 128 levels" in str(response.json())


def test_brackets_inside_strings_do_not_count():
    text = '{"a": "' + "[" * 5000 + '", "b": ["\\"[[[[", {}]}'
    assert jsonparse.loads(text)["b"] == ['"[[[[', {}]
    with pytest.raises(ValueError, match="nested deeper than 3 levels"):
        jsonparse.loads('[[[["x"]]]]', limit=3)
    assert jsonparse.loads(b'[[["x"]]]', limit=3) == [[["x"]]]
    assert jsonparse.loads('[[], [[]], {"a": [{}]}]', limit=4) == [[], [[]], {"a": [{}]}]


@pytest.mark.parametrize("doc", [
    "[" * 5000,  # unbalanced: the passes stop, the decoder's RecursionError is caught
    "]" + "[" * 200 + "]" * 200,  # a stray closer does not hide the depth
    '{"a": ' * 129 + "1" + "}" * 129,
    "[" * 129 + "]" * 129 + "[" * 5,
])
def test_deep_documents_are_refused_however_they_are_spelled(doc):
    with pytest.raises(jsonparse.TooDeeplyNested, match="^nested deeper than 128 levels$"):
        jsonparse.loads(doc)


@pytest.mark.parametrize("doc", ["[[[[]]", "]][[", '{"a": [1, 2}', "[" * 100])
def test_broken_shallow_documents_are_the_decoder_s_usual_errors(doc):
    with pytest.raises(ValueError) as caught:
        jsonparse.loads(doc)
    assert not isinstance(caught.value, jsonparse.TooDeeplyNested)
