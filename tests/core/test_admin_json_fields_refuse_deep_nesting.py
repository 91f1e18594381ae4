"""Every admin form with a JSON field answers deep nesting with a form error, never a 500."""

from __future__ import annotations

import pytest
from django import forms
from django.contrib import admin
from django.db import models

pytestmark = pytest.mark.django_db


def _json_forms() -> list[tuple[str, list[str]]]:
    found = []
    for model, model_admin in admin.site._registry.items():
        names = [f.name for f in model._meta.get_fields() if isinstance(f, models.JSONField) and f.editable]
        if not names or not model_admin.has_add_permission(_Request()):
            continue
        form = model_admin.get_form(_Request())
        # Only fields still typed as JSON (tags and attendees of events are typed as lists of values).
        in_form = [n for n in names if isinstance(form.base_fields.get(n), forms.JSONField)]
        if in_form:
            found.append((f"/admin/{model._meta.app_label}/{model._meta.model_name}/add/", in_form))
    return found


class _Request:
    class user:  # noqa: N801 - a stand-in with every permission
        is_active = is_staff = is_superuser = True

        @staticmethod
        def has_perm(*args, **kwargs) -> bool:
            return True

    GET: dict = {}
    method = "GET"


def test_deeply_nested_json_in_an_admin_form_is_a_form_error(admin_client):
    forms = _json_forms()
    assert len(forms) >= 3, forms
    for path, fields in forms:
        response = admin_client.post(path, dict.fromkeys(fields, "[" * 5000))
        assert response.status_code == 200, (path, response.status_code)  # the form again, with errors
        errors = response.context["adminform"].form.errors
        assert set(fields) & set(errors), (path, errors)
