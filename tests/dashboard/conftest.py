"""Fixtures of the dashboard tests: a logged-in superuser's browser client."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model


@pytest.fixture
def root(client, db):
    """The test client logged in as a superuser (sees every admin page, Operations included)."""
    client.force_login(get_user_model().objects.create_superuser("root", "root@example.com", "a-long-password"))
    return client
