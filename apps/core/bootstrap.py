"""First start: an admin user, a full-scope API key and the mock calendar, each created once."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction
from django.dispatch import Signal

from apps.audit.actor import acting_as
from apps.core.models import ApiKey
from chronos.config import current


@dataclass
class BootstrapResult:
    admin_created: bool = False
    username: str = ""
    password: str | None = None
    password_from_env: bool = False
    api_key: str | None = None
    sample_events: int = 0


# Apps that bring sample data connect a receiver: it fills what is missing and returns how many
# events it added (0 when there was nothing to do), so a second start adds nothing.
fill_sample_data = Signal()


def run() -> BootstrapResult:
    result = BootstrapResult()
    User = get_user_model()
    admin_cfg = current().admin
    with acting_as("system", "first start"), transaction.atomic():
        if not User.objects.filter(is_superuser=True).exists():
            username = admin_cfg.username
            env_password = os.environ.get("CHRONOS_ADMIN_PASSWORD", "")
            password = env_password or secrets.token_urlsafe(12)
            User.objects.create_superuser(username=username, email=admin_cfg.email,
                                          password=password)
            _, full = ApiKey.issue(name="first-start admin key", scopes=["admin"], created_by="first start")
            result.admin_created, result.username, result.api_key = True, username, full
            result.password, result.password_from_env = password, bool(env_password)
        result.sample_events = sum(added for _, added in fill_sample_data.send(sender=BootstrapResult)
                                   if isinstance(added, int))
    return result
