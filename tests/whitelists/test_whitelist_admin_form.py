"""The whitelist form: parameters as rows (name, type from a list, required), checked as the API checks them."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from apps.whitelists.admin import WhitelistForm
from apps.whitelists.models import Whitelist

pytestmark = pytest.mark.django_db


def form(**overrides):
    data = {"system": "crm", "action": "add", "enabled": True, "description": "",
            "param_0_name": "mail", "param_0_type": "email", "param_0_required": "on",
            "param_1_name": "count", "param_1_type": "int"}
    return WhitelistForm(data={**data, **overrides})


def test_rows_become_the_typed_parameters_and_names_are_upper_cased():
    f = form()
    assert f.is_valid(), f.errors
    entry = f.save()
    assert (entry.system, entry.action) == ("CRM", "ADD")
    assert (entry.allowed_params, entry.required_params) == ({"mail": "email", "count": "int"}, ["mail"])


def test_a_type_outside_the_list_is_refused_on_its_row():
    f = form(param_0_type="e-mail")
    assert not f.is_valid()
    assert f.errors["param_0_type"] == ["Select a valid choice. e-mail is not one of the available choices."]


def test_a_required_row_without_a_name_and_a_repeated_name_are_named():
    f = form(param_2_required="on", param_3_name="mail", param_3_type="string")
    assert not f.is_valid()
    assert f.errors["param_2_name"] == ["Give the parameter a name, or untick required."]
    assert f.errors["param_3_name"] == ["mail: listed twice; keep one row per parameter."]


def test_the_page_shows_rows_with_a_type_dropdown(client):
    client.force_login(get_user_model().objects.create_superuser("root", "r@example.com", "a-long-password"))
    entry = Whitelist.objects.create(system="N8N", action="BACKUP", allowed_params={"keep": "int"},
                                     required_params=["keep"])
    page = client.get(f"/admin/whitelists/whitelist/{entry.pk}/change/").content.decode()
    assert 'name="param_0_name" value="keep"' in page
    assert '<option value="int" selected>int</option>' in page
    assert 'name="param_0_required" id="id_param_0_required" checked' in page
    assert 'name="allowed_params"' not in page
    assert "keep: int (required)" in client.get("/admin/whitelists/whitelist/").content.decode()
