from __future__ import annotations

import pytest

from apps.events.models import Calendar, Event, Note, UrlPayload
from apps.ingest.pipeline import run_pipeline
from apps.ingest.prefixed import CommandHandler

pytestmark = pytest.mark.django_db


def run(event):
    return run_pipeline(event, plugins=[CommandHandler()])


@pytest.fixture(autouse=True)
def calendar():
    return Calendar.objects.get_or_create(id="work", defaults={"name": "Work"})[0]


@pytest.mark.parametrize("title", ["NOTIZ: Milch kaufen", "note:   Milch kaufen", "Notiz :Milch kaufen"])
def test_a_note_title_becomes_a_note_with_the_entry_time_and_calendar(title, incoming):
    result = run(incoming(title, description="from the fridge list", source="calendar", external_id="n1"))
    assert result.consumed_by == "command_handler"
    assert result.created["type"] == "note"
    note = Note.objects.get(pk=result.created["id"])
    assert note.content == "Milch kaufen"
    assert note.calendar_id == "work"
    assert note.event_start.isoformat() == "2026-03-02T09:00:00+00:00"
    assert note.event_end.isoformat() == "2026-03-02T10:00:00+00:00"
    assert note.details["description"] == "from the fridge list"
    assert note.source == "calendar"
    assert Event.objects.count() == 0


def test_a_url_title_becomes_a_url_payload_with_its_title(incoming):
    result = run(incoming("URL: https://example.com/article?id=3  Read this later"))
    payload = UrlPayload.objects.get(pk=result.created["id"])
    assert result.created["type"] == "url"
    assert payload.url == "https://example.com/article?id=3"
    assert payload.title == "Read this later"
    assert payload.calendar_id == "work"


@pytest.mark.parametrize(
    ("title", "reason"),
    [
        ("URL: not a url", "URL 'not' is not a valid http(s) URL"),
        ("URL: javascript:alert(1)", "URL 'javascript:alert(1)' is not a valid http(s) URL"),
        ("URL:", "URL needs an address: URL: <url> [title]"),
        ("NOTIZ:   ", "NOTIZ/NOTE needs a text: NOTIZ: <text>"),
    ],
)
def test_an_invalid_note_or_url_is_rejected(title, reason, incoming):
    result = run(incoming(title))
    assert result.rejection == reason
    assert Note.objects.count() == 0 and UrlPayload.objects.count() == 0
