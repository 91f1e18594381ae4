from __future__ import annotations

import pytest

from tests.whitelists.factories import allow


@pytest.fixture
def entries(db):
    allow("N8N", "FETCH", {"city": "string"}, ["city"])
    allow("N8N", "SUMMARISE", {"text": "string", "degrees": "int"}, ["text"])
    allow("TELEGRAM", "SEND_MESSAGE", {"text": "string", "chat_id": "int"}, ["text"])
    allow("N8N", "PING", {"n": "int"}, [])


@pytest.fixture
def worker_api(api):
    return api(scopes=["commands.manage", "commands.read"])
