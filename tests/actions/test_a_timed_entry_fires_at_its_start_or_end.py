"""at_start, at_end and offsets: the entry is kept and exactly one command is made at fire_at."""

from __future__ import annotations

from datetime import timedelta

import pytest

from apps.commands.models import ActionFiring, Command
from apps.commands.timed import fire_due
from apps.events.models import Event
from tests.actions.conftest import SUNDAY_2AM

END = SUNDAY_2AM + timedelta(hours=1)


@pytest.mark.parametrize(("fire", "offset", "expected"), [
    ("at_start", 0, SUNDAY_2AM),
    ("at_end", 0, END),
    ("at_start", -10, SUNDAY_2AM - timedelta(minutes=10)),
    ("at_end", 15, END + timedelta(minutes=15)),
])
def test_the_entry_is_kept_and_fires_exactly_at_fire_at(clock, timed, create_entry, writer, fire, offset, expected):
    timed(fire, offset)

    response = create_entry("ACTION: BACKUP N8N keep=3", SUNDAY_2AM, END)

    assert response.status_code == 201, response.content
    event = Event.objects.get(pk=response.json()["id"])
    firing = ActionFiring.objects.get(event_id=event.pk)
    assert response.json()["action"] == {
        "command": "BACKUP", "target_system": "N8N", "parameters": {"keep": 3}, "fire": fire,
        "fire_offset_minutes": offset, "fire_at": expected.isoformat().replace("+00:00", "Z"),
        "occurrence_start": "2027-01-03T02:00:00Z", "state": "scheduled", "command_id": None}
    assert (firing.state, firing.fire_at, firing.occurrence_start) == ("scheduled", expected, SUNDAY_2AM)
    assert not Command.objects.exists()

    clock.move_to(expected - timedelta(seconds=1))
    assert fire_due() == 0
    assert not Command.objects.exists()

    clock.move_to(expected)
    assert fire_due() == 1
    command = Command.objects.get()
    firing.refresh_from_db()
    assert (firing.state, firing.command_id) == ("fired", command.pk)
    assert (command.command, command.target_system, command.parameters, command.status) == (
        "BACKUP", "N8N", {"keep": 3}, "PENDING")
    assert command.idempotency_key == f"event:{event.pk}:20270103T020000Z"
    assert command.context["event_id"] == event.pk
    assert command.context["occurrence_start"] == "2027-01-03T02:00:00Z"
    assert command.context["fire_at"] == expected.isoformat().replace("+00:00", "Z")
    assert command.source_event_id == str(event.pk)

    clock.move_to(expected + timedelta(minutes=5))
    assert fire_due() == 0  # fired once; a later pass finds nothing
    assert Command.objects.count() == 1
    assert Event.objects.filter(pk=event.pk).exists()  # the entry stays in the calendar
    shown = writer.get(f"/api/v1/events/{event.pk}").json()["action"]
    assert (shown["state"], shown["command_id"]) == ("fired", command.pk)


def test_an_invalid_timed_entry_is_refused_with_the_reason(clock, timed, create_entry):
    timed("at_start")

    response = create_entry("ACTION: BACKUP N8N keep=many", SUNDAY_2AM, END)

    assert response.status_code == 400
    assert "keep" in str(response.json()) and "int" in str(response.json())
    assert not Event.objects.exists() and not ActionFiring.objects.exists()


def test_a_fired_command_is_claimable_by_its_system(clock, timed, create_entry, api):
    timed("at_start")
    create_entry("ACTION: BACKUP N8N keep=3", SUNDAY_2AM, END)
    clock.move_to(SUNDAY_2AM + timedelta(seconds=2))
    fire_due()

    poll = api(scopes=["commands.manage"]).get("/api/v1/commands/N8N")

    assert poll.status_code == 200
    assert [c["command"] for c in poll.json()["commands"]] == ["BACKUP"]


def test_the_answer_shows_the_next_scheduled_firing_else_the_latest_that_was_not_cancelled(
        clock, timed, create_entry, writer):
    from apps.commands.timed import action_of, occurrence_key

    timed("at_start", 0)
    event = Event.objects.get(pk=create_entry("ACTION: BACKUP N8N keep=3", SUNDAY_2AM, END).json()["id"])
    week = timedelta(days=7)
    first = ActionFiring.objects.get(event_id=event.pk)
    ActionFiring.objects.filter(pk=first.pk).update(state="fired")

    def later(n: int, state: str) -> None:
        ActionFiring.objects.create(event=event, occurrence_start=SUNDAY_2AM + n * week,
                                    idempotency_key=occurrence_key(event.pk, SUNDAY_2AM + n * week),
                                    fire_at=SUNDAY_2AM + n * week, state=state, command_name="BACKUP",
                                    target_system="N8N", parameters={"keep": 3}, fire="at_start")

    def shown() -> str:
        return action_of(event)["action"]["occurrence_start"]

    later(1, "skipped")
    later(2, "cancelled")
    assert shown() == "2027-01-10T02:00:00Z"  # the latest not cancelled
    later(3, "scheduled")
    later(4, "scheduled")
    assert shown() == "2027-01-24T02:00:00Z"  # the next scheduled
    ActionFiring.objects.exclude(state="cancelled").update(state="cancelled")
    assert shown() == "2027-01-31T02:00:00Z"  # all cancelled: the latest


def test_a_firing_another_writer_took_is_not_counted_as_settled_here(monkeypatch):
    from apps.commands import timed

    answers = iter([timed.FiringRaced("changed concurrently"), None])

    def next_due(now):
        answer = next(answers)
        if isinstance(answer, Exception):
            raise answer
        return answer

    monkeypatch.setattr(timed, "_fire_next", next_due)
    assert fire_due() == 0
