"""The system check that turns bad configuration into one clear line per problem at start."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, register

from chronos import config


@register()
def check_configuration(app_configs=None, **kwargs) -> list[Error]:
    # Problems found while loading (YAML, environment, settings) plus those of the configuration
    # in force now, which tests may have replaced since settings loaded.
    problems = [*settings.CHRONOS_CONFIG_ERRORS, *config.build(settings.CHRONOS)[1]]
    return [Error(message, id="chronos.E001") for message in dict.fromkeys(problems)]
