"""The OpenAPI schema is generated without a single error or warning and says what the API does.

``make test-schema`` (``.ci/schema-test``) checks it against the running server with schemathesis;
these tests keep the generator itself honest and check what a client reads first.
"""

from __future__ import annotations

import io

import pytest
import yaml
from django.core.management import call_command
from drf_spectacular.drainage import GENERATOR_STATS

pytestmark = pytest.mark.django_db

METHODS = ("get", "post", "put", "patch", "delete")


@pytest.fixture(scope="module")
def schema(django_db_blocker) -> dict:
    out = io.StringIO()
    with django_db_blocker.unblock():
        call_command("spectacular", "--validate", "--fail-on-warn", stdout=out)
    return yaml.safe_load(out.getvalue())


def operations(schema: dict):
    for path, item in schema["paths"].items():
        for method in METHODS:
            if method in item:
                yield path, method, item[method]


def test_the_generator_reports_no_error_and_no_warning():
    out, err = io.StringIO(), io.StringIO()
    # --fail-on-warn raises on any error or warning; the summary on stderr must be silent too.
    call_command("spectacular", "--validate", "--fail-on-warn", stdout=out, stderr=err)
    assert not GENERATOR_STATS, GENERATOR_STATS
    assert "Warning" not in err.getvalue() and "Error" not in err.getvalue(), err.getvalue()
    assert out.getvalue().startswith("openapi: 3")


def test_api_keys_are_declared_as_a_bearer_scheme_and_the_session_cookie_is_not(schema):
    schemes = schema["components"]["securitySchemes"]
    assert set(schemes) == {"bearerAuth"}
    assert schemes["bearerAuth"]["type"] == "http"
    assert schemes["bearerAuth"]["scheme"] == "bearer"


def test_every_operation_but_the_public_ones_needs_the_api_key(schema):
    public = {("/api/v1/sync/health", "get"), ("/api/v1/integrations/telegram/webhook", "post")}
    for path, method, op in operations(schema):
        if (path, method) in public:
            assert op.get("security", [{}]) == [{}] or "security" not in op, (path, method)
            continue
        assert op.get("security") == [{"bearerAuth": []}], (path, method)
        assert {"401", "403"} <= set(op["responses"]), (path, method)


def test_every_operation_documents_its_answer_and_every_body_its_schema(schema):
    for path, method, op in operations(schema):
        success = [code for code in op["responses"] if code.startswith("2")]
        assert success, (path, method)
        for code in success:
            if code == "204":
                continue
            assert op["responses"][code].get("content"), (path, method, code)
        body = op.get("requestBody")
        if method in ("post", "put", "patch") and body is not None:
            assert all("schema" in media for media in body["content"].values()), (path, method)


def test_bodies_may_fail_with_400_413_and_415_and_creates_with_idempotency_conflicts(schema):
    for path, method, op in operations(schema):
        if "requestBody" in op:
            assert {"400", "413", "415"} <= set(op["responses"]), (path, method)
    create = schema["paths"]["/api/v1/events"]["post"]
    assert {"409", "422"} <= set(create["responses"])
    assert any(p["name"] == "Idempotency-Key" and p["in"] == "header" for p in create["parameters"])


def test_events_list_and_create_have_their_schemas(schema):
    listing = schema["paths"]["/api/v1/events"]["get"]
    page = listing["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    assert set(schema["components"]["schemas"][page]["properties"]) == {"items", "page", "page_size", "total_count"}
    names = {p["name"] for p in listing["parameters"]}
    assert {"calendar", "anchor", "range", "direction", "q", "tz", "start", "end", "status", "tag", "page",
            "page_size"} <= names
    create = schema["paths"]["/api/v1/events"]["post"]
    assert set(create["responses"]) >= {"201", "202", "400"}
    event = schema["components"]["schemas"]["EventOut"]
    assert event["properties"]["start_date"]["nullable"] is True
    assert event["properties"]["plugin_error"]["nullable"] is True


def test_answers_that_are_not_objects_are_declared_as_what_they_are(schema):
    use = schema["paths"]["/api/v1/templates/{id}/use"]["post"]["responses"]["200"]
    ref = use["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    assert set(schema["components"]["schemas"][ref]["properties"]) == {"id", "usage_count", "last_used_at"}
    export = schema["paths"]["/api/v1/whitelists/export"]["get"]["responses"]["200"]["content"]
    assert set(export) == {"application/yaml", "application/json"}
    ics = schema["paths"]["/api/v1/events/export.ics"]["get"]["responses"]["200"]["content"]
    assert set(ics) == {"text/calendar"}


def test_the_schema_and_docs_are_served(client):
    response = client.get("/api/schema/")
    assert response.status_code == 200
    assert response.content.startswith(b"openapi: 3")
    assert b"bearerAuth" in response.content
    assert client.get("/docs").status_code == 200


def test_the_whitelist_import_schema_names_every_field_and_type_the_import_accepts(schema):
    from apps.whitelists.models import PARAM_TYPES
    from apps.whitelists.types import COERCERS

    body = schema["paths"]["/api/v1/whitelists/import"]["post"]["requestBody"]["content"]["application/json"]
    entry = body["schema"]["oneOf"][1]["items"]
    assert set(PARAM_TYPES) == set(COERCERS)  # every type the form offers can be checked
    assert entry["properties"]["allowed_params"]["additionalProperties"]["enum"] == list(PARAM_TYPES)
    assert entry["properties"]["fire"]["enum"] == ["on_arrival", "at_start", "at_end"]
    assert entry["properties"]["fire_offset_minutes"]["type"] == "integer"
