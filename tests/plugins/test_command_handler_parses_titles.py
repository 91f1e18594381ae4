from __future__ import annotations

import pytest

from apps.commands.models import Command
from apps.ingest.pipeline import run_pipeline
from apps.ingest.prefixed import CommandHandler

pytestmark = pytest.mark.django_db


def run(event):
    return run_pipeline(event, plugins=[CommandHandler()])


@pytest.mark.parametrize(
    "title",
    [
        'ACTION: SEND_EMAIL MAILER to=a@example.com subject="Quarterly report" urgent=yes count=3',
        "action: send_email mailer to=a@example.com 'subject=Quarterly report' urgent=yes count=3",
        "  Action :   Send_Email    MAILER   to=a@example.com   subject='Quarterly report'  urgent=yes count=3 ",
    ],
)
def test_action_titles_become_commands_with_typed_parameters(title, incoming, mail_entry):
    result = run(incoming(title, external_id="ext-1"))
    assert result.consumed_by == "command_handler"
    command = Command.objects.get(pk=result.created["id"])
    assert result.created["type"] == "command"
    assert (command.command, command.target_system) == ("SEND_EMAIL", "MAILER")
    assert command.parameters == {"to": "a@example.com", "subject": "Quarterly report", "urgent": True, "count": 3}
    assert command.status == Command.Status.PENDING


def test_a_command_remembers_its_source_entry(incoming, mail_entry):
    result = run(incoming("ACTION: SEND_EMAIL MAILER to=a@example.com", external_id="g-77", source="calendar"))
    command = Command.objects.get(pk=result.created["id"])
    assert command.source_event_id == "g-77"
    assert command.context["calendar_id"] == "work"
    assert command.context["event_start"] == "2026-03-02T09:00:00+00:00"
    assert command.context["event_end"] == "2026-03-02T10:00:00+00:00"
    assert command.context["event"]["title"].startswith("ACTION:")


def test_a_synced_entry_seen_twice_makes_one_command(incoming, mail_entry):
    first = run(incoming("ACTION: SEND_EMAIL MAILER to=a@example.com", external_id="g-1", source="calendar"))
    second = run(incoming("ACTION: SEND_EMAIL MAILER to=a@example.com", external_id="g-1", source="calendar"))
    assert first.created == second.created
    assert Command.objects.count() == 1


@pytest.mark.parametrize(
    ("title", "reason"),
    [
        (
            "ACTION: SEND_EMAIL",
            "ACTION needs a command and a target system: ACTION: <COMMAND> <SYSTEM> [key=value ...]",
        ),
        (
            'ACTION: SEND_EMAIL MAILER to="a@example.com',
            "ACTION cannot be parsed: No closing quotation (check the quotes)",
        ),
        ("ACTION: SEND_EMAIL MAILER to=a@example.com oops", "ACTION parameter 'oops' is not of the form key=value"),
        ("ACTION: SEND_EMAIL MAILER to=a@example.com to=b@example.com", "ACTION parameter 'to' is given twice"),
        (
            "ACTION: SEND_EMAIL MAILER to=nobody",
            "parameter 'to' must be of type email: 'nobody' is not a valid e-mail address",
        ),
        ("ACTION: SEND_EMAIL MAILER", "missing required parameter 'to' for SEND_EMAIL on MAILER"),
        ("ACTION: LAUNCH MAILER", "command 'LAUNCH' is not allowed for system 'MAILER'"),
        ("ACTION: SEND_EMAIL FAX to=a@example.com", "system 'FAX' is not whitelisted"),
        (
            "ACTION: SEND_EMAIL MAILER to=a@example.com bcc=b@example.com",
            "parameter 'bcc' is not allowed for SEND_EMAIL on MAILER",
        ),
    ],
)
def test_a_refused_action_is_rejected_with_the_exact_reason_and_nothing_stored(title, reason, incoming, mail_entry):
    result = run(incoming(title))
    assert result.rejected_by == "command_handler"
    assert result.rejection == reason
    assert result.event is not None and result.event.title == title
    assert Command.objects.count() == 0


@pytest.mark.parametrize("title", ["Team meeting", "Actions to review", "URLs: list", "Notizbuch kaufen"])
def test_ordinary_titles_pass_through(title, incoming):
    result = run(incoming(title))
    assert result.consumed_by is None and result.rejection is None
    assert result.event.title == title
