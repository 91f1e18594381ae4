"""The placeholder renderer: plain data only, escaped per output, unknown keys refused."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from apps.templates.rendering import (
    TemplateRenderError,
    html_to_text,
    placeholders,
    render_html,
    render_json,
    render_template,
    render_text,
)


def test_text_fills_dotted_keys_raw():
    out = render_text(
        "Hi {{ user.name }}, {{event.title}} at {{event.attendees.0}}",
        {
            "user": {"name": "A & B"},
            "event": {"title": "<b>Plan</b>", "attendees": ["x@example.com"]},
        },
    )
    assert out == "Hi A & B, <b>Plan</b> at x@example.com"


def test_html_escapes_values_so_a_script_arrives_inert():
    out = render_html(
        '<h1>{{event.title}}</h1><a title="{{event.title}}">x</a>', {"event": {"title": '<script>alert("x")</script>'}}
    )
    assert "<script>" not in out
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in out


def test_values_are_formatted_readably():
    ctx = {"a": None, "b": True, "c": 3.5, "d": ["x", 1], "e": {"k": "v"}}
    assert render_text("{{a}}|{{b}}|{{c}}|{{d}}|{{e}}", ctx) == '|true|3.5|x, 1|{"k": "v"}'


def test_missing_value_is_reported_with_its_key():
    with pytest.raises(TemplateRenderError) as exc:
        render_text("{{event.nope}}", {"event": {}})
    assert exc.value.key == "event.nope"
    assert "{{event.nope}}" in str(exc.value)


@pytest.mark.parametrize("bad", [object(), dt.datetime(2025, 1, 1), b"bytes", ("t",), {1: "x"}, len])
def test_context_must_be_plain_data(bad):
    with pytest.raises(TemplateRenderError, match="context"):
        render_text("{{x}}", {"x": bad})


def test_no_attribute_or_template_language_access():
    # Django template syntax stays literal text; a dunder path is not even a placeholder.
    with pytest.raises(TemplateRenderError, match="Malformed"):
        render_text("{{ x|upper }}", {"x": "a"})
    with pytest.raises(TemplateRenderError, match="Malformed"):
        render_text("{{x.__class__}}", {"x": "a"})
    assert render_text("{% if 1 %}ok{% endif %}", {}) == "{% if 1 %}ok{% endif %}"


def test_allowed_keys_restrict_at_render_time():
    with pytest.raises(TemplateRenderError) as exc:
        render_text("{{secret}}", {"secret": "x"}, allowed={"event.title"})
    assert exc.value.key == "secret"


def test_placeholders_lists_the_used_keys():
    assert placeholders("{{a.b}} {{ c }} {{a.b}}") == {"a.b", "c"}


def test_json_values_with_quotes_and_newlines_stay_valid_json():
    nasty = 'He said "hi"\nthen \\ left\t}{ ,'
    source = '{"title": "{{event.title}}", "line": "Title: {{event.title}}!", "n": {{n}}, "tags": "{{event.tags}}"}'
    out = render_json(source, {"event": {"title": nasty, "tags": ["a", 'b"c']}, "n": 5})
    data = json.loads(out)
    assert data == {"title": nasty, "line": f"Title: {nasty}!", "n": 5, "tags": ["a", 'b"c']}


def test_json_escaped_quotes_in_the_source_do_not_confuse_the_scanner():
    out = render_json('{"a": "x \\" {{v}}", "b": {{v}}}', {"v": 'q"'})
    assert json.loads(out) == {"a": 'x " q"', "b": 'q"'}


def test_json_that_cannot_become_valid_is_an_error():
    with pytest.raises(TemplateRenderError, match="not valid JSON"):
        render_json('{"a": {{v}} {{v}}}', {"v": 1})


def test_html_to_text_keeps_links():
    text = html_to_text('<p>Read <a href="https://example.com/x?a=1&amp;b=2">the plan</a></p>')
    assert "[the plan](https://example.com/x?a=1&b=2)" in text


def test_email_template_derives_text_from_html_when_empty():
    template = {
        "type": "email",
        "subject": "About {{event.title}}\r\nBcc: x@evil",
        "body_html": "<p>{{event.title}}</p>",
        "body_text": "",
    }
    out = render_template(template, {"event": {"title": "Plan <b>"}})
    assert out["subject"] == "About Plan <b> Bcc: x@evil"
    assert out["html"] == "<p>Plan &lt;b&gt;</p>"
    assert out["text"].strip() == "Plan <b>"


def test_template_declared_variables_are_usable():
    template = {"type": "email", "subject": "{{promo}}", "body_text": "x", "variables": ["promo"]}
    assert render_template(template, {"promo": "SPRING"})["subject"] == "SPRING"


def test_template_unknown_key_is_reported_with_field():
    template = {"type": "email", "subject": "{{settings.SECRET_KEY}}", "body_text": "x"}
    with pytest.raises(TemplateRenderError) as exc:
        render_template(template, {"settings": {"SECRET_KEY": "s"}})
    assert exc.value.field == "subject"
    assert exc.value.key == "settings.SECRET_KEY"
