"""The events list keeps the SQL the ORM compiled for each distinct read (database.cache_compiled_reads);
every answer must be the one a fresh compilation gives, and a changed filter must never reuse the
statement of another."""

from __future__ import annotations

import pytest

from apps.core import statements

pytestmark = pytest.mark.django_db

READS = [
    {"anchor": "2026-03-09", "range": "7"},
    {"anchor": "2026-03-09", "range": "30", "page_size": "3", "page": "2"},
    {"anchor": "2026-03-09", "range": "30", "calendar": "home"},
    {"anchor": "2026-03-09", "range": "30", "calendar": "default,home", "status": "completed"},
    {"anchor": "2026-03-09", "range": "30", "tag": "ops"},
    {"anchor": "2026-03-09", "range": "30", "q": "review"},
    {"anchor": "2026-03-09", "range": "7", "direction": "past"},
    {"range": "-1", "page_size": "4", "page": "3"},
    {"range": "-1", "direction": "all", "page_size": "2"},  # no bound at all: counted without a WHERE
    {"start": "2026-03-10T09:00:00Z", "end": "2026-03-12T00:00:00Z"},
]


@pytest.fixture
def entries(admin_api):
    writer = admin_api
    assert writer.post("/api/v1/calendars", {"id": "home", "name": "Home"}, format="json").status_code == 201

    def post(**body):
        response = writer.post("/api/v1/events", body, format="json")
        assert response.status_code == 201, response.content
        return response.json()["id"]

    post(title="Design review", start_time="2026-03-09T09:00:00Z", end_time="2026-03-09T10:00:00Z", tags=["ops"])
    post(title="Budget", start_time="2026-03-10T11:00:00Z", end_time="2026-03-10T12:00:00Z", calendar_id="home")
    post(title="Offsite", all_day=True, start_time="2026-03-08", end_time="2026-03-11")
    post(title="Old review", start_time="2026-03-04T08:00:00Z", end_time="2026-03-04T09:00:00Z", status="completed")
    post(title="Stand-up review", start_time="2026-03-09T08:30:00Z", end_time="2026-03-09T08:45:00Z",
         timezone="Europe/Berlin", recurrence=["RRULE:FREQ=DAILY;COUNT=20"], tags=["ops"])
    post(title="Weekly at home", start_time="2026-03-02T18:00:00Z", end_time="2026-03-02T19:00:00Z",
         calendar_id="home", recurrence=["RRULE:FREQ=WEEKLY"])


def _answers(reader) -> list:
    out = []
    for params in READS:
        response = reader.get("/api/v1/events", params)
        assert response.status_code == 200, (params, response.content)
        out.append(response.json())
    return out


def test_every_read_answers_as_a_fresh_compilation(entries, reader, settings):
    settings.CHRONOS = {**settings.CHRONOS, "database": {**settings.CHRONOS.get("database", {}),
                                                         "cache_compiled_reads": False}}
    fresh = _answers(reader)
    settings.CHRONOS = {**settings.CHRONOS, "database": {**settings.CHRONOS["database"],
                                                         "cache_compiled_reads": True}}
    kept = _answers(reader)
    again = _answers(reader)  # now answered from the kept statements
    assert kept == fresh
    assert again == fresh
    assert sum(body["total_count"] for body in fresh) > 40  # the reads are not empty


def test_the_same_read_is_compiled_once_and_another_filter_gets_its_own_statement(entries, reader):
    statements.forget()
    params = {"anchor": "2026-03-09", "range": "7", "calendar": "default"}
    first = reader.get("/api/v1/events", params).json()
    compiled = statements.cache_info().misses
    assert reader.get("/api/v1/events", params).json() == first
    assert statements.cache_info().misses == compiled  # nothing compiled again
    assert statements.cache_info().hits >= compiled
    other = reader.get("/api/v1/events", {**params, "calendar": "home"}).json()
    assert statements.cache_info().misses > compiled
    assert {item["calendar_id"] for item in other["items"]} == {"home"}
    assert {item["calendar_id"] for item in first["items"]} == {"default"}
