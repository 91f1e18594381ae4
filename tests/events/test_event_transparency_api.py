"""``transparency`` on events through the API: default, create, change, bad values, list, admin."""

from __future__ import annotations

from django.contrib.auth import get_user_model

from apps.events.models import Event
from apps.ingest import pipeline
from apps.ingest.pipeline import EventPlugin, PluginResult

URL = "/api/v1/events"
BODY = {"calendar_id": "work", "title": "Hold", "start_time": "2025-03-10T09:00:00Z",
        "end_time": "2025-03-10T10:00:00Z"}


def test_events_are_busy_unless_told_otherwise(writer, calendar):
    created = writer.post(URL, BODY, format="json")
    assert created.status_code == 201, created.json()
    assert created.json()["transparency"] == "opaque"
    assert Event.objects.get(pk=created.json()["id"]).transparency == "opaque"


def test_an_event_can_be_created_free_and_changed_to_busy(writer, calendar):
    created = writer.post(URL, {**BODY, "transparency": "TRANSPARENT"}, format="json")
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    assert created.json()["transparency"] == "transparent"
    changed = writer.patch(f"{URL}/{pk}", {"transparency": "opaque"}, format="json")
    assert changed.status_code == 200, changed.json()
    assert changed.json()["transparency"] == "opaque"
    assert Event.objects.get(pk=pk).transparency == "opaque"
    listed = writer.get(URL, {"start": "2025-03-10", "end": "2025-03-11"}).json()["items"]
    assert [(i["id"], i["transparency"]) for i in listed] == [(pk, "opaque")]


def test_an_unknown_value_is_400_naming_the_field_and_stores_nothing(writer, calendar, make_event):
    response = writer.post(URL, {**BODY, "transparency": "maybe"}, format="json")
    assert response.status_code == 400
    assert response.json() == {"detail": 'Invalid input: transparency: "maybe" is not a valid choice.',
                               "transparency": ['"maybe" is not a valid choice.']}
    assert not Event.objects.exists()
    event = make_event("2025-03-10T09:00")
    patched = writer.patch(f"{URL}/{event.id}", {"transparency": None}, format="json")
    assert patched.status_code == 400 and "transparency" in patched.json()
    event.refresh_from_db()
    assert event.transparency == "opaque"


def test_the_admin_offers_show_as_and_marks_free_entries(client, make_event):
    user = get_user_model().objects.create_superuser("boss", "boss@example.com", "a-long-password-1")
    client.force_login(user)
    free = make_event("2025-03-10T09:00", title="Maybe lunch", transparency="transparent")
    make_event("2025-03-10T11:00", title="Standup")
    page = client.get("/admin/events/event/").content.decode()
    assert page.count('class="chronos-free"') == 2  # the title and the "show as" cell of the free entry
    assert ">free</span>" in page and "Maybe lunch" in page
    form = client.get(f"/admin/events/event/{free.id}/change/").content.decode()
    assert 'type="radio" name="transparency" value="transparent"' in form and "Show as" in form
    assert client.get("/admin/events/event/?transparency__exact=transparent").content.decode().count(
        'class="chronos-free"') == 2


class _ShowAs(EventPlugin):
    """Sets "show as" from the title, as a site plugin might (and once to nonsense)."""

    name = "show_as"

    def process(self, event):
        if event.title.startswith("Maybe"):
            event.transparency = "transparent"
        elif event.title.startswith("Odd"):
            event.transparency = "whatever"
        return PluginResult.passthrough(event)


def test_a_plugin_can_mark_an_entry_free_and_nonsense_is_stored_as_busy(writer, calendar, monkeypatch):
    monkeypatch.setattr(pipeline, "load_plugins", lambda: [_ShowAs()])
    maybe = writer.post(URL, {**BODY, "title": "Maybe lunch"}, format="json")
    odd = writer.post(URL, {**BODY, "title": "Odd one", "transparency": "transparent"}, format="json")
    assert (maybe.status_code, odd.status_code) == (201, 201)
    assert (maybe.json()["transparency"], odd.json()["transparency"]) == ("transparent", "opaque")
    assert Event.objects.get(pk=odd.json()["id"]).transparency == "opaque"
