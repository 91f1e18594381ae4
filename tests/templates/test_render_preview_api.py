"""POST /api/v1/templates/{id}/preview renders without sending; missing values are a 400 naming the key."""

from __future__ import annotations

import json

import pytest

from apps.templates.models import Template


@pytest.fixture
def reader(api):
    return api(scopes=["events.read"])


def test_email_preview_renders_subject_html_and_text(reader):
    template = Template.objects.create(type="email", title="T", subject="Re: {{event.title}}",
                                       body_html="<p>{{event.title}}</p>")
    response = reader.post(f"/api/v1/templates/{template.pk}/preview",
                           {"context": {"event": {"title": "<i>x</i>"}}}, format="json")

    assert response.status_code == 200, response.content
    assert response.json()["subject"] == "Re: <i>x</i>"
    assert response.json()["html"] == "<p>&lt;i&gt;x&lt;/i&gt;</p>"
    assert "<i>x</i>" in response.json()["text"]  # derived from the HTML, unescaped


def test_webhook_preview_returns_valid_json_for_nasty_values(reader):
    template = Template.objects.create(type="webhook", title="W",
                                       body_json='{"title": "{{event.title}}", "msg": "T: {{event.title}}"}')
    nasty = 'quote " backslash \\ newline \n end'
    response = reader.post(f"/api/v1/templates/{template.pk}/preview",
                           {"context": {"event": {"title": nasty}}}, format="json")

    assert response.status_code == 200
    assert json.loads(response.json()["json"]) == {"title": nasty, "msg": f"T: {nasty}"}
    assert response.json()["data"]["title"] == nasty


def test_a_missing_value_is_a_400_naming_the_key(reader):
    template = Template.objects.create(type="email", title="T", subject="{{user.name}}", body_text="x")
    response = reader.post(f"/api/v1/templates/{template.pk}/preview", {"context": {}}, format="json")

    assert response.status_code == 400
    assert response.json()["key"] == "user.name"
    assert response.json()["field"] == "subject"


def test_sample_preview_fills_what_is_missing(reader):
    template = Template.objects.create(type="email", title="T", subject="{{user.name}} / {{command.params.room}}",
                                       body_text="x")
    response = reader.post(f"/api/v1/templates/{template.pk}/preview", {"sample": True}, format="json")

    assert response.status_code == 200
    assert response.json()["subject"] == "Ada Lovelace / <command.params.room>"


def test_unknown_placeholder_is_rejected_when_saving_through_the_api(api):
    manager = api(scopes=["templates.manage"])
    response = manager.post("/api/v1/templates", {"type": "email", "title": "T", "subject": "{{user.password}}",
                                                  "body_text": "x"}, format="json")
    assert response.status_code == 400
    assert "{{user.password}}" in str(response.json()["subject"])
    assert not Template.objects.exists()


def test_unknown_template_is_404(reader):
    assert reader.post("/api/v1/templates/999999/preview", {}, format="json").status_code == 404
