from __future__ import annotations

from datetime import UTC, datetime

import pytest

from apps.ingest.pipeline import IncomingEvent
from tests.whitelists.factories import allow


@pytest.fixture
def incoming():
    def make(title: str, **kwargs) -> IncomingEvent:
        defaults = {
            "start_time": datetime(2026, 3, 2, 9, 0, tzinfo=UTC),
            "end_time": datetime(2026, 3, 2, 10, 0, tzinfo=UTC),
            "calendar_id": "work",
        }
        return IncomingEvent(title=title, **{**defaults, **kwargs})

    return make


@pytest.fixture
def mail_entry(db):
    return allow("MAILER", "SEND_EMAIL", {"to": "email", "subject": "string", "urgent": "bool", "count": "int"}, ["to"])
