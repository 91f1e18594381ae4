"""POST /api/v1/templates/{id}/use: counts, records who and when."""

from __future__ import annotations

import time_machine

from apps.templates.models import TemplateUsage
from tests.templates.factories import TemplateFactory


def test_use_counts_and_records_the_actor_and_time(api, db):
    template = TemplateFactory()
    user = api(scopes=["events.write"], name="phone")
    with time_machine.travel("2025-03-10T09:00:00Z", tick=False):
        first = user.post(f"/api/v1/templates/{template.id}/use")
    second = user.post(f"/api/v1/templates/{template.id}/use")
    assert first.status_code == 200
    assert first.json()["usage_count"] == 1 and first.json()["last_used_at"] == "2025-03-10T09:00:00Z"
    assert second.json()["usage_count"] == 2
    usages = list(TemplateUsage.objects.filter(template=template).order_by("id"))
    assert len(usages) == 2
    assert usages[0].actor == f"key:{user.api_key.key_id}"
    assert usages[0].used_at.isoformat() == "2025-03-10T09:00:00+00:00"


def test_using_an_unknown_template_is_404(api, db):
    assert api(scopes=["events.write"]).post("/api/v1/templates/999/use").status_code == 404
