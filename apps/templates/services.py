"""Writes for templates: recording a use."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from apps.audit import actor as audit_actor
from apps.templates.models import Template, TemplateUsage


@transaction.atomic
def record_use(*, template_id: int, now=None) -> Template:
    """Count one use of the template; the increment is an atomic UPDATE, safe under concurrency."""
    now = now or timezone.now()
    updated = Template.objects.filter(pk=template_id).update(usage_count=F("usage_count") + 1, last_used_at=now)
    if not updated:
        raise Template.DoesNotExist(f"template {template_id} does not exist")
    ctx = audit_actor.current()
    TemplateUsage.objects.create(template_id=template_id, actor=ctx.actor[:100], actor_name=ctx.actor_name[:150],
                                 used_at=now)
    return Template.objects.get(pk=template_id)
