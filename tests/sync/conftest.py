"""Fixtures for sync tests: the fake Google server, configured credentials, a Google calendar."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime

import pytest
import time_machine

from tests.fakes.google_calendar import FakeGoogleCalendar

# Mid-March 2026: Europe/Berlin switches to summer time on 29 March, inside the window.
NOW = datetime(2026, 3, 20, 10, 0, tzinfo=UTC)
GOOGLE_ID = "work@example.com"


@pytest.fixture(autouse=True)
def frozen_now():
    # tick=True: time moves on (timestamps stay ordered) from a fixed start.
    with time_machine.travel(NOW, tick=True) as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def backoff_sleeps(monkeypatch) -> list[float]:
    """Retries never really wait in tests; the requested delays are recorded instead."""
    slept: list[float] = []
    monkeypatch.setattr("apps.sync.sources.google.default_sleep", slept.append)
    return slept


@pytest.fixture
def fake_google():
    with FakeGoogleCalendar() as fake:
        fake.add_calendar(GOOGLE_ID)
        yield fake


def _chronos(settings, **sections) -> None:
    merged = copy.deepcopy(settings.CHRONOS)
    for name, values in sections.items():
        merged[name] = {**(merged.get(name) or {}), **values}
    settings.CHRONOS = merged


@pytest.fixture
def google_config(settings, tmp_path, fake_google):
    """Credentials as `manage.py google_auth` leaves them: a stored user token (refreshable)."""
    token = tmp_path / "google_token.json"
    token.write_text(json.dumps({
        "token": "fake-access", "refresh_token": "fake-refresh", "client_id": "cid.apps.googleusercontent.com",
        "client_secret": "secret", "token_uri": fake_google.token_uri, "expiry": "2100-01-01T00:00:00Z",
        "scopes": ["https://www.googleapis.com/auth/calendar"],
    }))
    _chronos(settings, google={"api_endpoint": fake_google.api_endpoint, "token_file": str(token),
                               "credentials_file": "", "page_size": 2500, "num_retries": 3,
                               "token_uri": fake_google.token_uri})
    return settings.CHRONOS["google"]


@pytest.fixture
def chronos_config(settings):
    """``chronos_config(section, key=value)`` changes one configuration section for a test."""
    def apply(section: str, **values) -> None:
        _chronos(settings, **{section: values})
    return apply


@pytest.fixture
def google_calendar(db, google_config):
    from apps.events.models import Calendar

    return Calendar.objects.create(id="work", name="Work", source=Calendar.Source.GOOGLE, external_id=GOOGLE_ID,
                                   timezone="Europe/Berlin", sync_past_days=30, sync_future_days=90)


@pytest.fixture
def sync(google_calendar):
    """Run one sync of the Google calendar in-process and return its SyncRun."""
    from apps.sync.services import sync_now

    def run(calendar=None, *, full: bool = False):
        return sync_now(calendar or google_calendar, full=full, trigger="test")
    return run


@pytest.fixture(scope="session")
def radicale():
    """A real Radicale CalDAV server on 127.0.0.1, one per test process."""
    from tests.sync.radicale import RadicaleServer

    with RadicaleServer() as server:
        yield server


@pytest.fixture
def caldav_calendar(db, radicale):
    """A Chronos calendar bound to a fresh, empty collection on the Radicale server."""
    from apps.events.models import Calendar
    from tests.sync.radicale import PASSWORD, USER

    calendar = Calendar(id="team", name="Team", source=Calendar.Source.CALDAV, url=radicale.make_calendar(),
                        username=USER, timezone="Europe/Berlin", sync_past_days=30, sync_future_days=90)
    calendar.set_password(PASSWORD)
    calendar.save()
    return calendar


@pytest.fixture
def caldav_sync(caldav_calendar):
    from apps.sync.services import sync_now

    def run(*, full: bool = False):
        return sync_now(caldav_calendar, full=full, trigger="test")
    return run


@pytest.fixture
def ics_feed():
    from tests.fakes.ics_feed import IcsFeedServer

    with IcsFeedServer() as feed:
        yield feed


@pytest.fixture
def feed_calendar(db, ics_feed):
    from apps.events.models import Calendar

    return Calendar.objects.create(id="holidays", name="Holidays", source=Calendar.Source.ICS, url=ics_feed.url,
                                   timezone="Europe/Berlin", sync_past_days=30, sync_future_days=90)


@pytest.fixture
def feed_sync(feed_calendar):
    from apps.sync.services import sync_now

    def run(*, full: bool = False):
        return sync_now(feed_calendar, full=full, trigger="test")
    return run


@pytest.fixture(autouse=True)
def http_backoff_sleeps(monkeypatch) -> list[float]:
    """CalDAV and feed retries never really wait in tests; the requested delays are recorded."""
    slept: list[float] = []
    monkeypatch.setattr("apps.sync.sources.http.default_sleep", slept.append)
    return slept
