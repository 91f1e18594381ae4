"""One occurrence changed, moved or cancelled through its instance id; series edits keep what still fits."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from apps.events.models import EventException


def _daily(writer, count=5, **extra):
    body = {"calendar_id": "work", "title": "Daily", "start_time": "2026-01-05T10:00:00Z",
            "end_time": "2026-01-05T11:00:00Z", "recurrence": [f"RRULE:FREQ=DAILY;COUNT={count}"], **extra}
    response = writer.post("/api/v1/events", body, format="json")
    assert response.status_code == 201, response.content
    return response.json()["id"]


def _window(writer):
    response = writer.get("/api/v1/events", {"start": "2026-01-01T00:00:00Z", "end": "2026-02-01T00:00:00Z"})
    assert response.status_code == 200, response.content
    return response.json()


def test_patch_moves_one_occurrence_and_changes_its_title_only(writer, calendar):
    sid = _daily(writer)
    response = writer.patch(f"/api/v1/events/{sid}_20260106T100000Z",
                            {"start_time": "2026-01-09T15:00:00Z", "title": "Moved"}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["id"], body["title"], body["start_time"], body["end_time"], body["original_start_time"]) == (
        f"{sid}_20260106T100000Z", "Moved", "2026-01-09T15:00:00Z", "2026-01-09T16:00:00Z", "2026-01-06T10:00:00Z")
    items = _window(writer)["items"]
    assert [(i["title"], i["start_time"]) for i in items] == [
        ("Daily", "2026-01-05T10:00:00Z"), ("Daily", "2026-01-07T10:00:00Z"), ("Daily", "2026-01-08T10:00:00Z"),
        ("Daily", "2026-01-09T10:00:00Z"), ("Moved", "2026-01-09T15:00:00Z")]
    got = writer.get(f"/api/v1/events/{sid}_20260106T100000Z").json()
    assert got["start_time"] == "2026-01-09T15:00:00Z" and got["title"] == "Moved"
    assert writer.get(f"/api/v1/events/{sid}").json()["title"] == "Daily"


def test_delete_cancels_that_occurrence_only(writer, calendar):
    sid = _daily(writer)
    assert writer.delete(f"/api/v1/events/{sid}_20260107T100000Z").status_code == 204
    window = _window(writer)
    assert [i["start_time"][:10] for i in window["items"]] == ["2026-01-05", "2026-01-06", "2026-01-08", "2026-01-09"]
    assert window["total_count"] == 4
    assert writer.get(f"/api/v1/events/{sid}_20260107T100000Z").json()["status"] == "cancelled"
    cancelled = writer.get("/api/v1/events", {"start": "2026-01-01T00:00:00Z", "end": "2026-02-01T00:00:00Z",
                                              "status": "cancelled"}).json()
    assert cancelled["total_count"] == 0  # a cancelled occurrence is gone from windows, as in Google


def test_an_id_that_names_no_occurrence_is_404(writer, calendar):
    sid = _daily(writer)
    assert writer.get(f"/api/v1/events/{sid}_20260106T110000Z").status_code == 404
    assert writer.get(f"/api/v1/events/{sid}_20260201T100000Z").status_code == 404
    assert writer.patch(f"/api/v1/events/{sid}_20260106", {"title": "x"}, format="json").status_code == 404
    assert writer.delete("/api/v1/events/99999_20260106T100000Z").status_code == 404


def test_a_bad_occurrence_change_is_400_and_stores_nothing(writer, calendar):
    sid = _daily(writer)
    response = writer.patch(f"/api/v1/events/{sid}_20260106T100000Z",
                            {"start_time": "2026-01-06T12:00:00Z", "end_time": "2026-01-06T11:00:00Z"}, format="json")
    assert response.status_code == 400
    assert response.json()["end_time"] == ["must not be before start_time."]
    response = writer.patch(f"/api/v1/events/{sid}_20260106T100000Z", {"recurrence": []}, format="json")
    assert response.status_code == 400
    assert response.json()["recurrence"] == ["cannot differ for one occurrence; change the series."]
    assert not EventException.objects.exists()


def test_series_edit_keeps_exceptions_whose_occurrence_still_exists(writer, calendar):
    sid = _daily(writer)
    writer.patch(f"/api/v1/events/{sid}_20260106T100000Z", {"title": "Kept"}, format="json")
    writer.delete(f"/api/v1/events/{sid}_20260109T100000Z")
    # "All events": the series now ends after four occurrences and gets another title.
    response = writer.patch(f"/api/v1/events/{sid}", {"title": "Renamed", "recurrence": ["RRULE:FREQ=DAILY;COUNT=4"]},
                            format="json")
    assert response.status_code == 200, response.content
    assert [(i["title"], i["start_time"][:10]) for i in _window(writer)["items"]] == [
        ("Renamed", "2026-01-05"), ("Kept", "2026-01-06"), ("Renamed", "2026-01-07"), ("Renamed", "2026-01-08")]
    # The 9th is no occurrence any more: its cancellation went with it.
    assert list(EventException.objects.values_list("overrides", flat=True)) == [{"title": "Kept"}]
    # Moving the whole series to another time of day leaves no occurrence for the exception.
    writer.patch(f"/api/v1/events/{sid}", {"start_time": "2026-01-05T08:00:00Z", "end_time": "2026-01-05T09:00:00Z"},
                 format="json")
    assert not EventException.objects.exists()


def test_instances_lists_one_series_and_an_unbounded_rule_pages(writer, calendar):
    sid = _daily(writer, count=3)
    forever = writer.post("/api/v1/events", {"calendar_id": "work", "title": "Forever", "start_time": "2026-01-05T07:00:00Z",
                                             "end_time": "2026-01-05T07:30:00Z", "recurrence": ["RRULE:FREQ=DAILY"]},
                          format="json").json()["id"]
    response = writer.get(f"/api/v1/events/{sid}/instances")
    assert [i["id"] for i in response.json()["items"]] == [
        f"{sid}_20260105T100000Z", f"{sid}_20260106T100000Z", f"{sid}_20260107T100000Z"]
    response = writer.get(f"/api/v1/events/{forever}/instances",
                          {"start": "2026-01-10T00:00:00Z", "end": "2026-01-13T00:00:00Z"})
    assert [i["start_time"] for i in response.json()["items"]] == [
        "2026-01-10T07:00:00Z", "2026-01-11T07:00:00Z", "2026-01-12T07:00:00Z"]
    # An unbounded window over a never-ending rule: pages, with a count up to the horizon.
    page = writer.get("/api/v1/events", {"anchor": "2026-01-05", "range": "-1", "direction": "future",
                                         "tz": "UTC", "page": "3", "page_size": "2"})
    assert page.status_code == 200, page.content
    assert [i["start_time"] for i in page.json()["items"]] == ["2026-01-07T07:00:00Z", "2026-01-07T10:00:00Z"]


@pytest.mark.django_db(transaction=True)
def test_an_exception_written_without_touching_its_series_is_seen_at_once(writer, calendar):
    # As the sync writes them: only the exception row changes. Counts and series lists are
    # kept per events-table version, which exceptions bump too.
    sid = _daily(writer)
    assert _window(writer)["total_count"] == 5
    EventException.objects.create(series_id=sid, original_start=datetime(2026, 1, 6, 10, tzinfo=UTC), cancelled=True)
    window = _window(writer)
    assert window["total_count"] == 4
    assert [i["start_time"][:10] for i in window["items"]] == ["2026-01-05", "2026-01-07", "2026-01-08", "2026-01-09"]
