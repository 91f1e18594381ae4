"""Sub-task endpoints keep ``all_done`` in step and let scheduling complete the event."""

from __future__ import annotations

import time_machine

from apps.events.models import Event

URL = "/api/v1/events"


def test_adding_and_ticking_sub_tasks_updates_all_done(writer, make_event):
    event = make_event("2030-03-10T09:00")
    first = writer.post(f"{URL}/{event.id}/sub_tasks", {"text": "Draft"}, format="json")
    assert first.status_code == 201
    second = writer.post(f"{URL}/{event.id}/sub_tasks", {"text": "Send"}, format="json").json()
    assert second["position"] == first.json()["position"] + 1
    writer.patch(f"{URL}/{event.id}/sub_tasks/{first.json()['id']}", {"completed": True}, format="json")
    assert Event.objects.get(pk=event.id).all_done is False
    answer = writer.patch(f"{URL}/{event.id}/sub_tasks/{second['id']}", {"completed": True}, format="json").json()
    assert answer["completed"] is True and answer["completed_at"].endswith("Z")
    assert answer["event"]["all_done"] is True
    assert answer["event"]["status"] == "scheduled"  # still in the future: not completed yet
    reopened = writer.patch(f"{URL}/{event.id}/sub_tasks/{second['id']}", {"completed": False}, format="json").json()
    assert reopened["event"]["all_done"] is False and reopened["completed_at"] is None


def test_ticking_the_last_box_of_a_past_event_completes_it(writer, make_event):
    event = make_event("2025-03-10T09:00")
    sub = writer.post(f"{URL}/{event.id}/sub_tasks", {"text": "Only"}, format="json").json()
    with time_machine.travel("2025-03-11T00:00:00Z", tick=False):
        answer = writer.patch(f"{URL}/{event.id}/sub_tasks/{sub['id']}", {"completed": True}, format="json").json()
    assert answer["event"]["status"] == "completed"


def test_deleting_the_open_sub_task_makes_the_rest_all_done(writer, make_event):
    event = make_event("2030-03-10T09:00")
    done = writer.post(f"{URL}/{event.id}/sub_tasks", {"text": "a", "completed": True}, format="json").json()
    open_one = writer.post(f"{URL}/{event.id}/sub_tasks", {"text": "b"}, format="json").json()
    assert writer.delete(f"{URL}/{event.id}/sub_tasks/{open_one['id']}").status_code == 204
    assert Event.objects.get(pk=event.id).all_done is True
    assert done["completed"] is True


def test_reorder_sets_positions(writer, make_event):
    event = make_event("2030-03-10T09:00")
    a = writer.post(f"{URL}/{event.id}/sub_tasks", {"text": "a"}, format="json").json()
    b = writer.post(f"{URL}/{event.id}/sub_tasks", {"text": "b"}, format="json").json()
    body = writer.post(f"{URL}/{event.id}/sub_tasks/reorder", {"order": [b["id"], a["id"]]}, format="json").json()
    assert [s["text"] for s in body["sub_tasks"]] == ["b", "a"]
    bad = writer.post(f"{URL}/{event.id}/sub_tasks/reorder", {"order": [b["id"]]}, format="json")
    assert bad.status_code == 400


def test_sub_task_errors_are_clear(writer, make_event):
    event = make_event("2030-03-10T09:00")
    other = make_event("2030-03-11T09:00")
    sub = writer.post(f"{URL}/{other.id}/sub_tasks", {"text": "theirs"}, format="json").json()
    assert writer.patch(f"{URL}/{event.id}/sub_tasks/{sub['id']}", {"completed": True}, format="json").status_code == 404
    assert writer.patch(f"{URL}/{event.id}/sub_tasks/{'9' * 40}", {"completed": True}, format="json").status_code == 404
    assert writer.post(f"{URL}/{event.id}/sub_tasks", {"text": ""}, format="json").status_code == 400
    assert writer.post(f"{URL}/{event.id}/sub_tasks", {"text": "x" * 501}, format="json").status_code == 400
