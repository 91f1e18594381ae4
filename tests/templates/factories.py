"""factory-boy factories for templates."""

from __future__ import annotations

import factory

from apps.templates.models import Template


class TemplateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Template

    type = "event"
    title = factory.Sequence(lambda n: f"Template {n}")
    duration_minutes = 30
