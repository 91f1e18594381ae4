"""factory-boy factory for workflows: a trigger and a follow-up, by default N8N A -> N8N B."""

from __future__ import annotations

import factory

from apps.workflows.models import Workflow


class WorkflowFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Workflow

    name = factory.Sequence(lambda n: f"workflow {n}")
    trigger_command = "A"
    trigger_system = "N8N"
    follow_up_command = "B"
    follow_up_system = "N8N"
    follow_up_params = factory.LazyFunction(dict)
