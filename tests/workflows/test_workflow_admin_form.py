"""The workflow form: trigger and follow-up from the whitelist, parameters as rows, checked like the API."""

from __future__ import annotations

import pytest

from apps.workflows.models import Workflow
from tests.whitelists.factories import allow

pytestmark = pytest.mark.django_db
ADD = "/admin/workflows/workflow/add/"


@pytest.fixture
def entries(db):
    allow("N8N", "BACKUP", {"keep": "int"}, [])
    allow("TELEGRAM", "NOTIFY", {"text": "string"}, [])


def form(**changes):
    data = {"name": "Tell me", "trigger": "N8N|BACKUP", "follow_up": "TELEGRAM|NOTIFY", "delay_seconds": "0",
            "enabled": "on", "param_0_name": "text", "param_0_value": "Backup {{command.result.name}} done"}
    data.update(changes)
    return data


def test_the_dropdowns_offer_the_whitelist_and_rows_become_the_parameters(admin_client, entries):
    page = admin_client.get(ADD).content.decode()
    assert '<option value="N8N|BACKUP">BACKUP on N8N</option>' in page
    response = admin_client.post(ADD, form())
    assert response.status_code == 302, response.content.decode()[:2000]
    workflow = Workflow.objects.get()
    assert (workflow.trigger_system, workflow.trigger_command) == ("N8N", "BACKUP")
    assert (workflow.follow_up_system, workflow.follow_up_command) == ("TELEGRAM", "NOTIFY")
    assert workflow.follow_up_params == {"text": "Backup {{command.result.name}} done"}
    page = admin_client.get(f"/admin/workflows/workflow/{workflow.pk}/change/").content.decode()
    assert 'name="param_0_name" value="text"' in page


def test_a_parameter_the_follow_up_does_not_accept_is_named(admin_client, entries):
    response = admin_client.post(ADD, form(param_1_name="room", param_1_value="4"))
    assert response.status_code == 200
    assert "parameter &#x27;room&#x27; is not allowed for NOTIFY on TELEGRAM" in response.content.decode()
    assert not Workflow.objects.exists()


def test_a_bad_placeholder_is_named(admin_client, entries):
    response = admin_client.post(ADD, form(param_0_value="{{secret.key}}"))
    assert response.status_code == 200
    assert "placeholder {{secret.key}} must start with one of" in response.content.decode()


def test_a_plain_value_of_the_wrong_type_is_named_on_its_row(admin_client, entries):
    response = admin_client.post(ADD, form(follow_up="N8N|BACKUP", param_0_name="keep", param_0_value="three"))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert errors["param_0_value"] == ["parameter 'keep' must be of type int: expected an integer, got 'three'"]
    assert "__all__" not in errors
    assert not Workflow.objects.exists()


def test_a_placeholder_value_is_checked_when_it_is_filled_not_on_save(admin_client, entries):
    response = admin_client.post(ADD, form(follow_up="N8N|BACKUP", param_0_name="keep",
                                           param_0_value="{{command.params.keep}}"))
    assert response.status_code == 302
    assert Workflow.objects.get().follow_up_params == {"keep": "{{command.params.keep}}"}


def test_a_required_parameter_without_a_row_is_named(admin_client, entries):
    allow("N8N", "REPORT", {"to": "email", "days": "int"}, ["to"])
    response = admin_client.post(ADD, form(follow_up="N8N|REPORT", param_0_name="days", param_0_value="7"))
    assert response.status_code == 200
    assert "missing required parameter &#x27;to&#x27; for REPORT on N8N" in response.content.decode()
    assert not Workflow.objects.exists()


def test_each_value_has_a_picker_with_the_triggers_parameters(admin_client, entries):
    allow("N8N", "REPORT", {"to": "email", "days": "int"}, ["to"])
    page = admin_client.get(ADD).content.decode()
    assert page.count('class="placeholder-picker"') == 3
    assert '<option value="command.result.">command.result.&lt;key&gt;</option>' in page
    assert '<option value="event.start_time">event.start_time</option>' in page
    assert "dashboard/workflow_form.js" in page
    response = admin_client.post(ADD, form(trigger="N8N|REPORT", param_0_value="{{nope.x}}"))
    assert '<option value="command.params.days">command.params.days</option>' in response.content.decode()
    assert '<option value="command.params.keep">' not in response.content.decode()
