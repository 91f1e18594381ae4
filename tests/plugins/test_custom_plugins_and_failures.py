from __future__ import annotations

from pathlib import Path

import pytest
from django.test import override_settings

from apps.events.models import Event
from apps.ingest import pipeline
from apps.ingest.pipeline import EventPlugin, PluginResult, load_plugins, run_pipeline

pytestmark = pytest.mark.django_db
CUSTOM_DIR = Path(__file__).parent / "data" / "custom"


@pytest.fixture(autouse=True)
def fresh_plugin_cache():
    pipeline.reset_cache()
    yield
    pipeline.reset_cache()


def plugins_config(enabled, settings=None):
    return override_settings(
        CHRONOS={"plugins": {"enabled": enabled, "custom_dir": str(CUSTOM_DIR), "settings": settings or {}}}
    )


def test_a_custom_plugin_is_loaded_from_the_folder_and_runs_in_order(incoming, mail_entry):
    with plugins_config(["priority_tagger", "command_handler"], {"priority_tagger": {"tag": "hot"}}):
        plugins = load_plugins()
        assert [p.name for p in plugins] == ["priority_tagger", "command_handler"]
        result = run_pipeline(incoming("Call the bank !!"))
    assert result.event.title == "Call the bank"
    assert result.event.tags == ["hot"]


def test_a_custom_plugin_in_front_still_lets_commands_through(incoming, mail_entry):
    with plugins_config(["priority_tagger", "command_handler"]):
        result = run_pipeline(incoming("ACTION: SEND_EMAIL MAILER to=a@example.com !!"))
    assert result.consumed_by == "command_handler"


class Exploding(EventPlugin):
    name = "exploding"

    def process(self, event):
        raise RuntimeError("bug in plugin")


def test_a_plugin_that_raises_keeps_the_event_and_names_the_error(incoming):
    result = run_pipeline(incoming("Dentist"), plugins=[Exploding()])
    assert result.event is not None and result.event.title == "Dentist"
    assert result.error == "plugin exploding failed: RuntimeError: bug in plugin"


def test_an_api_create_whose_plugin_raises_stores_the_event_flagged(admin_api):
    dotted = f"{__name__}.Exploding"
    with override_settings(CHRONOS={"plugins": {"enabled": [dotted]}, "events": {"default_calendar": "default"}}):
        response = admin_api.post(
            "/api/v1/events",
            {"title": "Dentist", "start_time": "2026-03-02T09:00:00Z", "end_time": "2026-03-02T10:00:00Z"},
            format="json",
        )
    assert response.status_code == 201, response.json()
    event = Event.objects.get()
    assert "bug in plugin" in event.plugin_error


def test_an_api_create_of_an_action_is_consumed_and_not_stored(admin_api, mail_entry):
    response = admin_api.post(
        "/api/v1/events",
        {
            "title": "ACTION: send_email mailer to=a@example.com",
            "start_time": "2026-03-02T09:00:00Z",
            "end_time": "2026-03-02T10:00:00Z",
        },
        format="json",
    )
    assert response.status_code == 202, response.json()
    assert response.json()["consumed_by"] == "command_handler"
    assert response.json()["created"]["type"] == "command"
    assert Event.objects.count() == 0


def test_an_api_create_of_a_refused_action_is_400_and_nothing_is_stored(admin_api, mail_entry):
    from apps.commands.models import Command

    response = admin_api.post(
        "/api/v1/events",
        {
            "title": "ACTION: send_email mailer to=nobody",
            "start_time": "2026-03-02T09:00:00Z",
            "end_time": "2026-03-02T10:00:00Z",
        },
        format="json",
    )
    assert response.status_code == 400
    assert "'nobody' is not a valid e-mail address" in response.json()["detail"]
    assert Event.objects.count() == 0 and Command.objects.count() == 0


def _create_in_work(admin_api):
    body = {"title": "Dentist", "calendar_id": "work", "start_time": "2026-03-02T09:00:00Z",
            "end_time": "2026-03-02T10:00:00Z"}
    return admin_api.post("/api/v1/events", body, format="json")


class ToPrivate(EventPlugin):
    name = "to_private"

    def process(self, event):
        event.calendar_id = "private"
        return PluginResult.passthrough(event)


def test_an_api_create_is_stored_in_the_calendar_a_plugin_moved_it_to(admin_api):
    from apps.events.models import Calendar

    Calendar.objects.create(id="work", name="Work", timezone="Europe/Berlin")
    Calendar.objects.create(id="private", name="Private", timezone="UTC")
    with override_settings(CHRONOS={"plugins": {"enabled": [f"{__name__}.ToPrivate"]}}):
        response = _create_in_work(admin_api)
    assert response.status_code == 201, response.json()
    assert response.json()["calendar_id"] == "private"
    event = Event.objects.get()
    assert event.calendar_id == "private"
    assert event.timezone == "Europe/Berlin"  # the zone was resolved from the calendar the request named


class DeletesTheCalendar(EventPlugin):
    """Stands for a calendar deleted between the create's validation and its insert."""

    name = "deletes_the_calendar"

    def process(self, event):
        from apps.events.models import Calendar

        Calendar.objects.filter(pk=event.calendar_id).delete()
        return PluginResult.passthrough(event)


@pytest.mark.django_db(transaction=True)
def test_a_create_whose_calendar_vanished_after_validation_is_stored_not_a_500(admin_api):
    from apps.events.models import Calendar

    Calendar.objects.create(id="work", name="Work", timezone="Europe/Berlin")
    with override_settings(CHRONOS={"plugins": {"enabled": [f"{__name__}.DeletesTheCalendar"]}}):
        response = _create_in_work(admin_api)
    assert response.status_code == 201, response.content
    assert Event.objects.get().calendar_id == "work"
    assert Calendar.objects.get(pk="work").source == "local"  # re-created, as for any unknown id
