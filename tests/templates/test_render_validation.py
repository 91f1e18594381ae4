"""validate_template: what a template may hold before it is saved."""

from __future__ import annotations

import json

from apps.templates.rendering import (
    allowed_keys,
    available_placeholders,
    preview_context,
    render_template,
    validate_template,
)


def test_unknown_placeholder_is_rejected_at_save():
    errors = validate_template("email", {"subject": "Hi {{user.name}}", "body_html": "{{user.password}}"})
    assert list(errors) == ["body_html"]
    assert "{{user.password}}" in errors["body_html"][0]


def test_declared_variables_extend_the_whitelist():
    fields = {"subject": "{{promo.code}}", "body_text": "x", "variables": [{"name": "promo"}]}
    assert validate_template("email", fields) == {}


def test_bad_variable_names_are_rejected():
    errors = validate_template("email", {"subject": "s", "body_text": "x", "variables": ["ok", "not ok"]})
    assert "variables" in errors


def test_malformed_placeholders_are_rejected():
    errors = validate_template("event", {"title": "{{ event.title|upper }}"})
    assert "Malformed" in errors["title"][0]


def test_email_needs_subject_and_a_body():
    errors = validate_template("email", {"subject": "", "body_html": "", "body_text": ""})
    assert set(errors) == {"subject", "body_html"}


def test_webhook_body_must_be_json_with_placeholders_filled():
    assert validate_template("webhook", {"body_json": '{"t": "{{event.title}}", "n": {{event.id}}}'}) == {}
    errors = validate_template("webhook", {"body_json": '{"t": {{event.title}} oops}'})
    assert "Not valid JSON" in errors["body_json"][0]


def test_unknown_type_is_an_error():
    assert "type" in validate_template("sms", {})


def test_each_type_has_its_own_keys():
    assert "command.params.*" in allowed_keys("email")
    assert "command.params.*" not in allowed_keys("event")
    assert "data.*" in allowed_keys("webhook")
    assert available_placeholders("email", ["promo"])[0] == "{{promo}}"


def test_preview_context_covers_every_used_key():
    template = {
        "type": "webhook",
        "body_json": '{"x": "{{command.params.room}}", "t": "{{event.title}}", "v": {{promo}}}',
        "variables": ["promo"],
    }
    out = render_template(template, preview_context(template, {"event": {"title": 'a "b"'}}))
    assert json.loads(out["json"]) == {"x": "<command.params.room>", "t": 'a "b"', "v": "<promo>"}
