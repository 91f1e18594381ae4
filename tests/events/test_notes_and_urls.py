"""GET /api/v1/notes and /api/v1/urls: paginated, newest first."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.events.factories import NoteFactory, UrlPayloadFactory


def test_notes_are_listed_newest_first(reader, db):
    old = NoteFactory(content="old", created_at=datetime(2025, 1, 1, tzinfo=UTC))
    new = NoteFactory(content="new", created_at=datetime(2025, 2, 1, tzinfo=UTC), source="telegram")
    body = reader.get("/api/v1/notes").json()
    assert [n["id"] for n in body["items"]] == [new.id, old.id]
    assert body["total_count"] == 2 and body["items"][0]["source"] == "telegram"
    assert body["items"][0]["created_at"] == "2025-02-01T00:00:00Z"


def test_urls_are_listed_newest_first_and_paginated(reader, db):
    items = [UrlPayloadFactory(created_at=datetime(2025, 1, d, tzinfo=UTC)) for d in range(1, 4)]
    body = reader.get("/api/v1/urls", {"page_size": 2}).json()
    assert [u["id"] for u in body["items"]] == [items[2].id, items[1].id]
    assert body["items"][0]["url"] == items[2].url
    assert reader.get("/api/v1/urls", {"page": 9}).status_code == 404
