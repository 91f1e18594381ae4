from __future__ import annotations

import pytest

from apps.whitelists.admin import WhitelistForm

pytestmark = pytest.mark.django_db


def form(**overrides):
    data = {
        "system": "crm",
        "action": "add",
        "allowed_params": '{"mail": "email"}',
        "required_params": '["mail"]',
        "enabled": True,
        "description": "",
    }
    return WhitelistForm(data={**data, **overrides})


def test_the_admin_form_accepts_known_types_and_upper_cases_names():
    f = form()
    assert f.is_valid(), f.errors
    entry = f.save()
    assert (entry.system, entry.action) == ("CRM", "ADD")


def test_the_admin_form_rejects_an_unknown_type_name():
    f = form(allowed_params='{"mail": "e-mail"}')
    assert not f.is_valid()
    assert "unknown type 'e-mail'" in f.errors["allowed_params"][0]


def test_the_admin_form_rejects_a_required_param_that_is_not_allowed():
    f = form(required_params='["phone"]')
    assert not f.is_valid()
    assert f.errors["required_params"] == ["'phone' is required but not in allowed_params"]
