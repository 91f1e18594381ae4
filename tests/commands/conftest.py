from __future__ import annotations

import pytest

from apps.commands.services import create_command
from tests.whitelists.factories import allow


@pytest.fixture
def n8n(db):
    return allow("N8N", "PING", {"n": "int", "note": "string"}, [])


@pytest.fixture
def make_command(n8n):
    def make(**kwargs):
        return create_command(
            command=kwargs.pop("command", "PING"),
            target_system=kwargs.pop("target_system", "N8N"),
            parameters=kwargs.pop("parameters", {"n": 1}),
            **kwargs,
        )

    return make


@pytest.fixture
def worker_api(api):
    return api(scopes=["commands.manage", "commands.read"])
