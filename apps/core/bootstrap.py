"""First start: an admin user, a full-scope API key and the mock calendar, each created once."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction

from apps.audit.context import acting_as
from apps.core.models import ApiKey


@dataclass
class BootstrapResult:
    admin_created: bool = False
    username: str = ""
    password: str | None = None
    password_from_env: bool = False
    api_key: str | None = None
    sample_events: int = 0


def create_mock_calendar() -> int:
    """Create the ``mock`` calendar with sample events; returns how many events were added."""
    from django.utils import timezone

    from apps.events.models import Calendar, Event
    from apps.events.sample import generate

    calendar, created = Calendar.objects.get_or_create(
        id="mock", defaults={"name": "Mock calendar (sample data)", "source": Calendar.Source.MOCK,
                             "timezone": "Europe/Berlin"}
    )
    if not created or calendar.events.exists():
        return 0
    rows = []
    for item in generate(around=timezone.localdate(), tz=calendar.timezone):
        rows.append(Event(calendar=calendar, external_id=item.external_id, title=item.title,
                          event_type=item.event_type, start_time=item.start, end_time=item.end,
                          tags=item.tags, attendees=item.attendees, all_day=item.all_day,
                          start_date=item.start_date, end_date=item.end_date, location=item.location,
                          description=item.description, timezone=calendar.timezone,
                          duration_seconds=int((item.end - item.start).total_seconds())))
    Event.objects.bulk_create(rows)
    return len(rows)


def run() -> BootstrapResult:
    result = BootstrapResult()
    User = get_user_model()
    admin_cfg = settings.CHRONOS.get("admin") or {}
    with acting_as("system", "first start"), transaction.atomic():
        if not User.objects.filter(is_superuser=True).exists():
            username = str(admin_cfg.get("username") or "admin")
            env_password = os.environ.get("CHRONOS_ADMIN_PASSWORD", "")
            password = env_password or secrets.token_urlsafe(12)
            User.objects.create_superuser(username=username, email=str(admin_cfg.get("email") or ""),
                                          password=password)
            _, full = ApiKey.issue(name="first-start admin key", scopes=["admin"], created_by="first start")
            result.admin_created, result.username, result.api_key = True, username, full
            result.password, result.password_from_env = password, bool(env_password)
        result.sample_events = create_mock_calendar()
    return result
