"""Every admin page a person uses opens: the changelist and the add form of each registered model."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.urls import reverse

pytestmark = pytest.mark.django_db

MODELS = sorted(admin.site._registry, key=lambda m: m._meta.label)


@pytest.fixture
def staff(client):
    client.force_login(get_user_model().objects.create_superuser("root", "root@example.com", "a-long-password"))
    return client


@pytest.mark.parametrize("model", MODELS, ids=[m._meta.label for m in MODELS])
def test_the_changelist_opens(staff, model):
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    assert staff.get(url).status_code == 200


@pytest.mark.parametrize("model", MODELS, ids=[m._meta.label for m in MODELS])
def test_the_add_page_opens_or_is_refused_on_purpose(staff, rf, model):
    request = rf.get("/admin/")
    request.user = get_user_model().objects.get(username="root")
    addable = admin.site._registry[model].has_add_permission(request)
    response = staff.get(reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_add"))
    assert response.status_code == (200 if addable else 403)


def test_the_admin_index_lists_the_chronos_apps(staff):
    page = staff.get("/admin/").content.decode()
    for label in ("Audit log", "Events", "Commands", "Whitelists", "Workflows", "Integrations", "Backups"):
        assert label.lower() in page.lower()
