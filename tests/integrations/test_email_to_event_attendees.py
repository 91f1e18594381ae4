"""An e-mail template sent to every attendee of an event, one message each, the event as context."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from apps.events.models import Calendar, Event
from apps.integrations.email.models import EmailMessageLog
from apps.templates.models import Template
from tests.fakes.smtp import mail_fixture, smtp_server_fixture  # noqa: F401


@pytest.fixture
def event(db):
    calendar = Calendar.objects.create(id="team", name="Team")
    start = datetime(2025, 5, 6, 14, 0, tzinfo=UTC)
    return Event.objects.create(calendar=calendar, title="Retro <b>&</b>", start_time=start,
                                end_time=start + timedelta(hours=1), timezone="Europe/Berlin",
                                attendees=["ada@example.com", "alan@example.com"])


@pytest.fixture
def template(db):
    return Template.objects.create(type="email", title="Invite", subject="{{event.title}} ({{calendar.name}})",
                                   body_html="<p>Hello {{recipient.email}}, {{event.title}} at {{event.start_time}}</p>")


def test_each_attendee_gets_their_own_message(mail, event, template, api, django_capture_on_commit_callbacks):
    client = api(scopes=["integrations.manage"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/api/v1/events/{event.pk}/email", {"template_id": template.pk}, format="json")

    assert response.status_code == 202, response.content
    assert response.json()["recipients"] == ["ada@example.com", "alan@example.com"]
    assert set(EmailMessageLog.objects.values_list("status", flat=True)) == {"sent"}
    assert EmailMessageLog.objects.filter(event_id=event.pk).count() == 2
    by_rcpt = {m.rcpt_tos[0]: m.parsed for m in mail.messages}
    assert set(by_rcpt) == {"ada@example.com", "alan@example.com"}
    msg = by_rcpt["alan@example.com"]
    assert msg["Subject"] == "Retro <b>&</b> (Team)"
    html = msg.get_body(preferencelist=("html",)).get_content()
    assert "Hello alan@example.com, Retro &lt;b&gt;&amp;&lt;/b&gt; at Tue 6 May 2025, 16:00 Europe/Berlin" in html


def test_an_event_without_attendees_is_a_400(event, template, api):
    event.attendees = []
    event.save()
    client = api(scopes=["integrations.manage"])
    response = client.post(f"/api/v1/events/{event.pk}/email", {"template_id": template.pk}, format="json")
    assert response.status_code == 400
    assert "attendees" in response.json()


def test_a_webhook_template_cannot_be_sent_as_email(event, api):
    webhook = Template.objects.create(type="webhook", title="W", body_json="{}")
    client = api(scopes=["integrations.manage"])
    response = client.post(f"/api/v1/events/{event.pk}/email", {"template_id": webhook.pk}, format="json")
    assert response.status_code == 400
    assert "not an e-mail one" in response.json()["template_id"][0]


def test_unknown_event_is_404(api, db):
    client = api(scopes=["integrations.manage"])
    assert client.post("/api/v1/events/999999/email", {"template_id": 1}, format="json").status_code == 404


def test_the_event_admin_action_asks_for_a_template_then_queues(event, template, rf, admin_user):
    from django.contrib import admin
    from django.contrib.messages.storage.fallback import FallbackStorage

    from apps.integrations.email.admin import send_template_to_attendees_action

    def request(data):
        req = rf.post("/admin/events/event/", data)
        req.user = admin_user
        req.session = {}
        req._messages = FallbackStorage(req)
        return req

    modeladmin = admin.site._registry[Event]
    page = send_template_to_attendees_action(modeladmin, request({}), Event.objects.filter(pk=event.pk))
    page.render()
    assert b"Retro &lt;b&gt;&amp;&lt;/b&gt;" in page.content
    assert EmailMessageLog.objects.count() == 0

    done = send_template_to_attendees_action(
        modeladmin, request({"apply": "1", "template": template.pk}), Event.objects.filter(pk=event.pk)
    )
    assert done is None
    assert EmailMessageLog.objects.filter(event_id=event.pk).count() == 2
