"""Reads for the sync API, admin and health."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from apps.core.timefmt import iso_z
from apps.events.models import Calendar
from apps.sync.models import PendingPush, SyncRun, SyncState
from apps.sync.schedules import SCHEDULE_NAME, interval_minutes

SYNCABLE = ("google", "caldav", "ics", "mock")

COUNT_FIELDS = ("fetched", "created", "updated", "deleted", "consumed", "pushed", "conflicts")


def run_detail(task_id: str) -> dict[str, Any] | None:
    """Everything about one task: totals over its calendars and one entry per calendar."""
    runs = list(SyncRun.objects.filter(task_id=task_id).order_by("calendar_id"))
    if not runs:
        return None
    statuses = {r.status for r in runs}
    if statuses & {SyncRun.Status.QUEUED, SyncRun.Status.RUNNING}:
        status = "running" if SyncRun.Status.RUNNING in statuses else "queued"
    elif SyncRun.Status.FAILED in statuses:
        status = "failed"
    elif statuses == {SyncRun.Status.SKIPPED}:
        status = "skipped"
    else:
        status = "succeeded"
    started = [r.started_at for r in runs if r.started_at]
    finished = [r.finished_at for r in runs if r.finished_at]
    durations = [r.duration_seconds for r in runs if r.duration_seconds is not None]
    body: dict[str, Any] = {
        "task_id": task_id,
        "status": status,
        "full": any(r.full for r in runs),
        "queued_at": iso_z(min(r.queued_at for r in runs)),
        "started_at": iso_z(min(started)) if started else None,
        "finished_at": iso_z(max(finished)) if finished and len(finished) == len(runs) else None,
        "duration_seconds": round(sum(durations), 4) if durations else None,
        **{name: sum(getattr(r, name) for r in runs) for name in COUNT_FIELDS},
        "errors": [{**e, "calendar_id": r.calendar_id} for r in runs for e in r.errors],
        "calendars": [run_row(r) for r in runs],
    }
    return body


def run_row(r: SyncRun) -> dict[str, Any]:
    return {
        "calendar_id": r.calendar_id, "status": r.status, "full": r.full, "trigger": r.trigger,
        "queued_at": iso_z(r.queued_at), "started_at": iso_z(r.started_at), "finished_at": iso_z(r.finished_at),
        "duration_seconds": r.duration_seconds, **{name: getattr(r, name) for name in COUNT_FIELDS},
        "errors": r.errors,
    }


def next_run_at() -> datetime | None:
    from django_q.models import Schedule

    return Schedule.objects.filter(name=SCHEDULE_NAME).values_list("next_run", flat=True).first()


def health(*, public: bool = False) -> dict[str, Any]:
    """Per syncable calendar: last success, last error, next run, open conflicts.

    ``public``: for the unauthenticated endpoint, errors are shortened and stripped of hosts,
    URLs, paths and SQL (the admin and the logs keep the full text).
    """
    from apps.sync.credentials import problem
    from apps.sync.errors import public_error

    nxt = next_run_at()
    states = {s.calendar_id: s for s in SyncState.objects.all()}
    conflicts: dict[str, int] = {}
    for cal_id in PendingPush.objects.filter(status=PendingPush.Status.CONFLICT).values_list("calendar_id", flat=True):
        conflicts[cal_id] = conflicts.get(cal_id, 0) + 1
    calendars = []
    for cal in Calendar.objects.filter(source__in=SYNCABLE).order_by("id"):
        state = states.get(cal.id)
        calendars.append({
            "calendar_id": cal.id, "source": cal.source, "enabled": cal.enabled,
            "last_success_at": iso_z(state.last_success_at) if state else None,
            "last_error": ((public_error(state.last_error) if public else state.last_error) or None) if state else None,
            "last_error_at": iso_z(state.last_error_at) if state else None,
            "next_run_at": iso_z(nxt) if cal.enabled else None,
            "running": bool(state and state.locked),
            "conflicts": conflicts.get(cal.id, 0),
        })
    uses_google = any(c["source"] == Calendar.Source.GOOGLE and c["enabled"] for c in calendars)
    credentials = problem() if uses_google else ""
    return {"interval_minutes": interval_minutes(), "next_run_at": iso_z(nxt),
            "google_credentials": credentials or ("ok" if uses_google else "not used"),
            "calendars": calendars}


def health_check() -> dict[str, Any]:
    """The ``sync`` part of ``/health``: one line when something needs a person."""
    summary = health()
    failing = [c["calendar_id"] for c in summary["calendars"] if c["enabled"] and c["last_error"]
               and (not c["last_success_at"] or c["last_error_at"] > c["last_success_at"])]
    result: dict[str, Any] = {"status": "ok", "calendars": len(summary["calendars"]),
                              "next_run_at": summary["next_run_at"]}
    cred = summary["google_credentials"]
    if cred not in ("ok", "not used"):
        result.update(status="error", detail=cred)
    elif failing:
        result.update(status="error", detail=f"last sync failed for {', '.join(failing)}")
    conflicts = sum(c["conflicts"] for c in summary["calendars"])
    if conflicts:
        result["conflicts"] = conflicts
    return result
