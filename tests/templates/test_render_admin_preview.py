"""The admin's live preview renders unsaved fields with sample data; the e-mail log is browsable."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth import get_user_model

from apps.integrations.email.sending import send_email
from apps.templates.admin_preview import render_preview


def test_preview_renders_an_unsaved_email_with_sample_data():
    out = render_preview({"type": "email", "subject": "Hi {{user.name}}", "body_html": "<p>{{event.title}}</p>",
                          "body_text": "", "variables": []})
    assert out["subject"] == "Hi Ada Lovelace"
    assert out["html"] == "<p>Quarterly review</p>"
    assert "Quarterly review" in out["text"]


def test_preview_reports_an_unknown_placeholder():
    out = render_preview({"type": "email", "subject": "{{user.password}}", "body_text": "x", "variables": []})
    assert "{{user.password}}" in out["error"]


def test_preview_of_a_webhook_is_json():
    out = render_preview({"type": "webhook", "body_json": '{"t": "{{event.title}}", "v": "{{promo}}"}',
                          "variables": ["promo"]})
    assert json.loads(out["json"]) == {"t": "Quarterly review", "v": "<promo>"}


@pytest.fixture
def staff_client(client, db):
    user = get_user_model().objects.create_superuser("boss", "boss@example.com", "a-long-password-1")
    client.force_login(user)
    return client


def test_email_log_admin_lists_and_shows_messages(staff_client):
    log = send_email(to=["ada@example.com"], subject="Listed <here>", html="<p>x</p>")

    listing = staff_client.get("/admin/integrations/emailmessagelog/")
    assert listing.status_code == 200
    assert b"Listed &lt;here&gt;" in listing.content
    detail = staff_client.get(f"/admin/integrations/emailmessagelog/{log.pk}/change/")
    assert detail.status_code == 200
    assert log.message_id.encode().replace(b"<", b"&lt;").replace(b">", b"&gt;") in detail.content
