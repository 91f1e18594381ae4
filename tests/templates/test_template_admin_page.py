"""The template page: placeholders per type to click, no inline script, an unknown placeholder named once."""

from __future__ import annotations

import pytest

from apps.templates.admin import TemplateForm
from apps.templates.models import Template

pytestmark = pytest.mark.django_db


def test_the_page_lists_placeholders_per_type_and_loads_its_script_from_static(admin_client):
    page = admin_client.get("/admin/templates/template/add/").content.decode()
    for kind in ("event", "email", "webhook"):
        assert f'<div class="placeholder-list" data-type="{kind}">' in page
    assert 'data-key="event.start_date"' in page
    assert "dashboard/template_form.js" in page
    assert "<script>" not in page.split("</head>", 1)[1]


def test_an_unknown_placeholder_in_two_fields_is_named_once():
    form = TemplateForm(data={"type": "email", "title": "T", "subject": "Hi {{nope}}", "body_text": "x {{nope}}",
                              "variables": "[]", "tags": "[]", "attendees": "[]", "default_sub_tasks": "[]",
                              "duration_minutes": "60"})
    assert not form.is_valid()
    named = [m for msgs in form.errors.values() for m in msgs if "{{nope}}" in m]
    assert len(named) == 1


def test_the_sample_data_fills_the_event_dates_as_people_read_them(admin_client):
    response = admin_client.post("/admin/templates/template/preview/", {
        "type": "email", "title": "T", "subject": "On {{event.start_date}}",
        "body_text": "{{event.start_time}} to {{event.end_time}}", "variables": "[]"})
    assert response.json()["subject"] == "On Mon 3 Mar 2025"
    assert response.json()["text"] == "Mon 3 Mar 2025, 10:00 Europe/Berlin to Mon 3 Mar 2025, 11:00 Europe/Berlin"
    assert Template.objects.count() == 0


def test_an_unknown_placeholder_is_named_with_the_nearest_allowed_one():
    form = TemplateForm(data={"type": "email", "title": "T", "subject": "On {{event.start_dat}}", "body_text": "x",
                              "variables": "[]", "tags": "[]", "attendees": "[]", "default_sub_tasks": "[]",
                              "duration_minutes": "60"})
    assert not form.is_valid()
    assert form.errors["subject"] == ["Unknown placeholder {{event.start_dat}}: not a placeholder of an email "
                                      "template nor a declared variable. Did you mean {{event.start_date}}?"]
