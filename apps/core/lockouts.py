"""django-axes under a name that says what it holds: the admin lists "Login lockouts"."""

from __future__ import annotations

from axes.apps import AppConfig as AxesConfig


class LoginLockoutsConfig(AxesConfig):
    verbose_name = "Login lockouts"
