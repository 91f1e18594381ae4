"""The polling and callback views answer every ``Accept`` header as DRF's own negotiation does."""

from __future__ import annotations

import pytest
from rest_framework.exceptions import NotAcceptable
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from apps.commands.api import CommandPollView
from apps.core.hotpath import JSONFirstNegotiation

pytestmark = pytest.mark.django_db
ACCEPTS = [None, "*/*", "application/json", "text/html", "application/json; indent=2", "text/html, */*;q=0.8"]


def negotiate(negotiation, accept, path="/api/v1/commands/N8N"):
    extra = {} if accept is None else {"HTTP_ACCEPT": accept}
    request = Request(APIRequestFactory().get(path, **extra))
    renderers = CommandPollView().get_renderers()
    try:
        renderer, media_type = negotiation.select_renderer(request, renderers)
    except NotAcceptable:
        return "406"
    return type(renderer), media_type


@pytest.mark.parametrize("accept", ACCEPTS)
@pytest.mark.parametrize("path", ["/api/v1/commands/N8N", "/api/v1/commands/N8N?format=api"])
def test_the_quick_negotiation_picks_what_drf_picks(accept, path):
    assert negotiate(JSONFirstNegotiation(), accept, path) == negotiate(DefaultContentNegotiation(), accept, path)


@pytest.mark.parametrize(("accept", "content_type"), [
    (None, "application/json"), ("*/*", "application/json"), ("application/json", "application/json"),
    ("text/html", "text/html; charset=utf-8"),
])
def test_a_poll_answers_in_the_negotiated_type_with_the_usual_headers(worker_api, accept, content_type):
    extra = {} if accept is None else {"HTTP_ACCEPT": accept}
    for _ in range(2):  # the second answer comes with the headers kept from the first
        response = worker_api.get("/api/v1/commands/N8N", **extra)
        assert response.status_code == 200
        assert response["Content-Type"] == content_type
        assert response["Allow"] == "GET, HEAD, OPTIONS"
        assert response["Vary"] == "Accept"


def test_an_unacceptable_type_is_406(worker_api):
    assert worker_api.get("/api/v1/commands/N8N", HTTP_ACCEPT="application/xml").status_code == 406


def test_a_complete_answers_with_the_usual_headers(worker_api, make_command):
    command = make_command()
    worker_api.get("/api/v1/commands/N8N")
    for _ in range(2):
        response = worker_api.post(f"/api/v1/commands/{command.pk}/complete", {}, format="json")
        assert response.status_code == 200
        assert (response["Allow"], response["Vary"]) == ("POST, OPTIONS", "Accept")
