"""The admin index is the dashboard, and every page's first breadcrumb says "Dashboard"."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from django.contrib.auth import get_user_model

from apps.events.models import Calendar, Event

pytestmark = pytest.mark.django_db


def first_crumb(page: str) -> str:
    crumbs = re.search(r'<div class="breadcrumbs">\s*<a href="/admin/">([^<]*)</a>', page)
    assert crumbs, page[:3000]
    return crumbs.group(1)


def test_every_kind_of_admin_page_leads_back_to_the_dashboard(client):
    user = get_user_model().objects.create_superuser("root", "root@example.com", "a-long-password")
    client.force_login(user)
    cal = Calendar.objects.create(id="b", name="B", timezone="Europe/Berlin")
    event = Event.objects.create(calendar=cal, title="E", start_time=datetime(2099, 1, 1, 9, tzinfo=UTC),
                                 end_time=datetime(2099, 1, 1, 10, tzinfo=UTC))
    urls = ["/admin/events/", "/admin/events/event/", "/admin/events/event/add/",
            f"/admin/events/event/{event.pk}/change/", f"/admin/events/event/{event.pk}/delete/",
            f"/admin/events/event/{event.pk}/history/", "/admin/backups/backup/", "/admin/backups/backup/restore-guide/",
            f"/admin/auth/user/{user.pk}/password/", "/admin/password_change/",
            "/admin/integrations/outboxmessage/retry-dead-since/", "/admin/calendar/", "/admin/integrations-status/"]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert first_crumb(response.content.decode()) == "Dashboard", url
    response = client.post("/admin/events/event/", {"action": "delete_selected", "_selected_action": [event.pk]})
    assert first_crumb(response.content.decode()) == "Dashboard"
