from __future__ import annotations

import pytest

from apps.audit.models import AuditEntry
from apps.commands import services
from apps.commands.models import Command

pytestmark = pytest.mark.django_db
URL = "/admin/commands/command/"


def act(client, action, commands, **extra):
    return client.post(URL, {"action": action, "_selected_action": [c.pk for c in commands], **extra})


def test_the_list_filters_by_status_and_system(admin_client, make_command):
    make_command()
    response = admin_client.get(URL + "?status__exact=PENDING&target_system__exact=N8N")
    assert response.status_code == 200
    assert b"PING" in response.content


def test_the_detail_page_is_read_only(admin_client, make_command):
    command = make_command()
    response = admin_client.get(f"{URL}{command.pk}/change/")
    assert response.status_code == 200
    assert b'name="_save"' not in response.content


def test_requeue_puts_a_failed_command_back_with_fresh_retries(admin_client, make_command):
    command = make_command(max_retries=0)
    services.claim(system="N8N", limit=1)
    services.fail(command_id=command.pk, error="x")
    act(admin_client, "requeue", [command])
    command.refresh_from_db()
    assert (command.status, command.retries) == ("PENDING", 0)
    assert AuditEntry.objects.filter(action="command.requeued", entity_id=str(command.pk)).exists()


def test_mark_completed_completes_a_pending_command(admin_client, make_command):
    command = make_command()
    act(admin_client, "mark_completed", [command])
    command.refresh_from_db()
    assert command.status == "COMPLETED" and command.completed_at is not None


def test_mark_failed_asks_for_a_reason_first(admin_client, make_command):
    command = make_command()
    page = act(admin_client, "mark_failed", [command])
    assert page.status_code == 200
    assert b'name="reason"' in page.content
    assert Command.objects.get().status == "PENDING"
    act(admin_client, "mark_failed", [command], apply="1", reason="customer cancelled")
    command.refresh_from_db()
    assert (command.status, command.last_error) == ("FAILED", "customer cancelled")


def test_mark_failed_refuses_a_completed_command(admin_client, make_command):
    command = make_command()
    services.mark_completed(command_id=command.pk)
    act(admin_client, "mark_failed", [command], apply="1", reason="too late")
    assert Command.objects.get().status == "COMPLETED"


def test_the_detail_page_buttons_act_and_its_audit_trail_is_shown(admin_client, make_command):
    command = make_command()
    page = admin_client.get(f"{URL}{command.pk}/change/").content.decode()
    assert 'id="cmd-requeue"' in page and 'id="cmd-fail"' in page
    assert "Audit trail" in page and "command.created" in page
    refused = admin_client.post(f"{URL}{command.pk}/act/", {"op": "fail", "reason": ""}, follow=True)
    assert "Reason: say why the command failed." in refused.content.decode()
    assert Command.objects.get().status == "PENDING"
    admin_client.post(f"{URL}{command.pk}/act/", {"op": "fail", "reason": "customer cancelled"})
    command.refresh_from_db()
    assert (command.status, command.last_error) == ("FAILED", "customer cancelled")
    admin_client.post(f"{URL}{command.pk}/act/", {"op": "requeue"})
    command.refresh_from_db()
    assert command.status == "PENDING"
    page = admin_client.get(f"{URL}{command.pk}/change/").content.decode()
    assert "command.requeued" in page and "command.failed" in page


def test_add_command_offers_the_whitelist_and_typed_fields(admin_client, n8n):
    page = admin_client.get(f"{URL}add/").content.decode()
    assert f'<option value="{n8n.pk}">PING on N8N</option>' in page
    page = admin_client.get(f"{URL}add/?entry={n8n.pk}").content.decode()
    assert 'name="n" ' in page and 'type="number"' in page
    bad = admin_client.post(f"{URL}add/", {"entry": n8n.pk, "n": "three"})
    assert bad.status_code == 200 and "Enter a whole number." in bad.content.decode()
    assert not Command.objects.exists()
    response = admin_client.post(f"{URL}add/", {"entry": n8n.pk, "n": "3", "note": "hi"})
    command = Command.objects.get()
    assert response.status_code == 302 and response["Location"] == f"{URL}{command.pk}/change/"
    assert (command.command, command.target_system, command.parameters) == ("PING", "N8N", {"n": 3, "note": "hi"})
