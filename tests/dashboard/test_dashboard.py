"""The admin index is the dashboard: what needs attention, with links to act, in a fixed number of queries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.commands.services import create_command
from apps.events.models import Calendar, Event
from apps.integrations.models import OutboxMessage
from tests.whitelists.factories import allow

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client):
    user = get_user_model().objects.create_user("clerk", "clerk@example.com", "a-long-password", is_staff=True)
    from django.contrib.auth.models import Permission

    user.user_permissions.add(*Permission.objects.filter(codename__in=["view_event", "view_schedule"]))
    client.force_login(user)
    return client


def fill(n_commands: int, n_events: int) -> None:
    allow("N8N", "PING", {"n": "int"}, [])
    for i in range(n_commands):
        create_command(command="PING", target_system="N8N", parameters={"n": i})
    cal, _ = Calendar.objects.get_or_create(id="work", defaults={"name": "Work", "timezone": "Europe/Berlin"})
    start = timezone.now() + timedelta(days=1)
    Event.objects.bulk_create([Event(calendar=cal, title=f"E{i}", start_time=start + timedelta(hours=i),
                                     end_time=start + timedelta(hours=i, minutes=30), timezone="Europe/Berlin",
                                     duration_seconds=1800) for i in range(n_events)])
    OutboxMessage.objects.create(transport="webhook", event_type="x", status=OutboxMessage.Status.DEAD)


def test_the_tiles_count_and_link_to_filtered_lists(root):
    fill(3, 2)
    page = root.get("/admin/").content.decode()
    assert '<a class="tile-main" href="/admin/commands/command/?status__exact=PENDING"><span class="tile-title">' \
           'Commands pending</span>\n        <span class="tile-value">3</span></a>' in page
    assert 'href="/admin/integrations/outboxmessage/?status__exact=dead"' in page
    assert 'href="/admin/integrations/outboxmessage/retry-dead-since/">Retry all …</a>' in page
    assert "no backup yet" in page and "keeps 7 daily, 4 weekly, 12 monthly" in page
    assert "no heartbeat yet" in page
    assert "Calendar sync" in page and "local calendar, nothing to sync" in page
    assert "not configured (telegram.bot_token)" in page
    assert "E0</a>" in page  # next events


def menu(response) -> dict[str, list[str]]:
    """The admin menu the page was rendered from: group name -> model names, in order."""
    return {group["name"]: [m["name"] for m in group["models"]] for group in response.context["app_list"]}


def test_internals_are_one_operations_group_at_the_end_for_superusers(root):
    groups = menu(root.get("/admin/"))
    assert list(groups)[-1] == "Operations"
    assert "Scheduled tasks (Tasks)" in groups["Operations"]
    assert not any("Scheduled tasks" in m for name, models in groups.items() if name != "Operations" for m in models)


def test_operations_are_hidden_from_people_who_are_not_superusers(staff):
    groups = menu(staff.get("/admin/"))
    assert "Operations" not in groups
    assert any("Events" in models for models in groups.values())
    assert not any("Scheduled tasks" in m for models in groups.values() for m in models)


def test_the_dashboard_costs_the_same_queries_with_more_rows(root):
    fill(2, 2)
    root.get("/admin/")
    with CaptureQueriesContext(connection) as small:
        assert root.get("/admin/").status_code == 200
    fill(40, 60)
    with CaptureQueriesContext(connection) as big:
        assert root.get("/admin/").status_code == 200
    assert len(big) == len(small), [q["sql"] for q in big.captured_queries]
    assert len(big) <= 25


def test_next_events_read_in_their_zone(root):
    cal = Calendar.objects.create(id="b", name="B", timezone="Europe/Berlin")
    Event.objects.create(calendar=cal, title="Stand-up", start_time=datetime(2099, 12, 7, 8, 30, tzinfo=UTC),
                         end_time=datetime(2099, 12, 7, 8, 45, tzinfo=UTC), timezone="Europe/Berlin")
    assert "Mon 07 Dec 2099 09:30 Europe/Berlin" in root.get("/admin/").content.decode()


def test_each_calendar_shows_its_last_sync_its_error_and_the_next_run(root):
    from django_q.models import Schedule

    from apps.sync.models import SyncState
    from apps.sync.schedules import SCHEDULE_NAME

    now = timezone.now()
    cal = Calendar.objects.create(id="team", name="Team", timezone="Europe/Berlin", source=Calendar.Source.CALDAV)
    SyncState.objects.create(calendar=cal, last_success_at=now - timedelta(hours=2),
                             last_error="401 Unauthorized from the server", last_error_at=now - timedelta(minutes=5))
    Schedule.objects.create(name=SCHEDULE_NAME, func="apps.sync.tasks.sync_all", schedule_type=Schedule.MINUTES,
                            minutes=15, next_run=datetime(2099, 12, 7, 8, 15, tzinfo=UTC))
    page = root.get("/admin/").content.decode()
    row = page[page.index(">Team</a>"):].split("</tr>", 1)[0]
    assert "failed 5 min ago" in row, row
    assert "401 Unauthorized from the server" in row
    assert "Mon 07 Dec 08:15 UTC" in row, row
