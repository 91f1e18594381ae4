"""Event templates carry "show as" (``transparency``) for the events made from them."""

from __future__ import annotations

import pytest

from apps.templates.models import Template

URL = "/api/v1/templates"


@pytest.fixture
def manager(api):
    return api(scopes=["events.read", "templates.manage"])


def test_an_event_template_is_busy_by_default_and_can_be_free(manager, db):
    busy = manager.post(URL, {"type": "event", "title": "Review"}, format="json")
    assert busy.status_code == 201, busy.json()
    assert busy.json()["transparency"] == "opaque"
    free = manager.post(URL, {"type": "event", "title": "Focus hold", "transparency": "transparent"}, format="json")
    assert free.status_code == 201, free.json()
    assert Template.objects.get(pk=free.json()["id"]).transparency == "transparent"


def test_an_unknown_value_is_400_and_stores_nothing(manager, db):
    response = manager.post(URL, {"type": "event", "title": "Odd", "transparency": "sometimes"}, format="json")
    assert response.status_code == 400
    assert response.json() == {"detail": 'Invalid input: transparency: "sometimes" is not a valid choice.',
                               "transparency": ['"sometimes" is not a valid choice.']}
    assert not Template.objects.exists()
