"""Event, calendar, link, note and URL (de)serialisation.

Input goes through DRF serializers (clear per-field 400s). Output of events is a plain
function: a page of 100 events is rendered in well under a millisecond that way.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from rest_framework import serializers

from apps.core import statements
from apps.core.serializers import ClonedFieldsMixin
from apps.core.timefmt import iso_z
from apps.events.models import Calendar, Event, EventLink, Mode, Note, SubTask, UrlPayload
from apps.events.selectors import EventRow, OccurrenceRow
from apps.events.services import calendar_by_id
from apps.events.timeparse import MAX_YEAR, TimeError, db_datetime, local_midnight, parse_instant, zone
from chronos.config import current

SLUG = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def sub_task_dict(sub: SubTask) -> dict:
    return {"id": sub.pk, "text": sub.text, "completed": sub.completed, "created_at": iso_z(sub.created_at),
            "completed_at": iso_z(sub.completed_at), "position": sub.position}




def db_iso(value) -> str | None:
    """A datetime as the database hands it back (see :class:`EventRow`) as the contract's ``Z`` string."""
    if isinstance(value, str):
        # SQLite's UTC text, microseconds only when present: the same string iso_z gives.
        return value.replace(" ", "T", 1) + "Z"
    return iso_z(value)


def _sub_tasks(ids: tuple[int, ...]):
    return SubTask.objects.filter(event_id__in=ids).order_by("position", "id").values_list(
        "id", "event_id", "position", "text", "completed", "created_at", "completed_at")


def sub_tasks_by_event(ids: list[int]) -> dict[int, list[dict]]:
    grouped: dict[int, list[dict]] = {}
    if not ids:
        return grouped
    # Compiling an IN of a page's ids costs ten times the read: the statement is kept per page
    # (a page read again, as a polling client does, is not compiled again).
    for pk, event_id, position, text, completed, created, done in statements.rows(_sub_tasks, tuple(ids)):
        grouped.setdefault(event_id, []).append({
            "id": pk, "text": text, "completed": bool(completed), "created_at": iso_z(db_datetime(created)),
            "completed_at": iso_z(db_datetime(done)), "position": position})
    return grouped


def _calendar_modes(ids: tuple[str, ...]):
    return Calendar.objects.filter(id__in=ids).values_list("id", "default_mode")


def default_modes(calendar_ids) -> dict[str, str]:
    ids = tuple(sorted(set(calendar_ids)))
    if not ids:
        return {}
    # A page names the same few calendars again and again: the statement is kept per set.
    return dict(statements.rows(_calendar_modes, ids))


def render_rows(rows: list[EventRow], *, version: int | None = None) -> list[dict]:
    """A page of list rows as dicts: sub-tasks, default modes and conflicts each in one query.

    ``version``: the events-table version read before the rows (conflict lists are kept per version).
    """
    ids = [r.series_id if type(r) is OccurrenceRow else r.id for r in rows]
    subs = sub_tasks_by_event(ids)
    modes = default_modes(r.calendar_id for r in rows if not r.mode)
    conflicts = conflicts_of(rows, version=version)
    return [occurrence_dict(r.occ, conflicts, sub_tasks=subs.get(r.series_id, []),
                            mode=r.mode or modes.get(r.calendar_id, "free"))
            if type(r) is OccurrenceRow else
            event_dict(r, conflicts, sub_tasks=subs.get(r.id, []), mode=r.mode or modes.get(r.calendar_id, "free"))
            for r in rows]


def occurrence_dict(occ, conflicts: dict | None = None, *, sub_tasks: list[dict] | None = None,
                    mode: str | None = None) -> dict:
    """One occurrence of a series as an event object of the contract (Google's instance shape)."""
    from apps.events.models import EventException

    series = occ.event
    body = event_dict(series, None, sub_tasks=sub_tasks, mode=mode)
    for name in EventException.OVERRIDABLE:
        body[name] = occ.value(name)
    body["id"] = occ.instance_id
    body["recurring_event_id"] = series.pk
    body["recurrence"] = []
    if series.all_day:
        first, last = occ.local_dates()
        original = occ.original_start.astimezone(zone(series.timezone or "UTC")).date().isoformat()
        body.update(start_time=first.isoformat(), end_time=last.isoformat(), start_date=first.isoformat(),
                    end_date=last.isoformat(), original_start_time=original)
    else:
        body.update(start_time=iso_z(occ.start), end_time=iso_z(occ.end), original_start_time=iso_z(occ.original_start))
    body["conflicts"] = (conflicts or {}).get(occ.instance_id, [])
    return body


def event_dict(event, conflicts: dict[int, list[int]] | None = None, *, sub_tasks: list[dict] | None = None,
               mode: str | None = None) -> dict:
    """The contract's event representation (UTC with Z; dates for all-day events).

    ``event`` is an :class:`Event` or a list page's :class:`EventRow` (times as stored).
    """
    if type(event) is EventRow:
        times = db_iso(event.db_start), db_iso(event.db_end), db_iso(event.db_created), db_iso(event.db_updated)
    else:
        times = iso_z(event.start_time), iso_z(event.end_time), iso_z(event.created_at), iso_z(event.updated_at)
    start, end, created, updated = times
    if event.all_day and event.start_date and event.end_date:
        start, end = event.start_date.isoformat(), event.end_date.isoformat()
    if sub_tasks is None:
        sub_tasks = [sub_task_dict(s) for s in event.sub_tasks.all()]
    return {
        "id": event.pk,
        "calendar_id": event.calendar_id,
        "external_id": event.external_id,
        "title": event.title,
        "description": event.description,
        "location": event.location,
        "start_time": start,
        "end_time": end,
        "all_day": event.all_day,
        "start_date": event.start_date.isoformat() if event.start_date else None,
        "end_date": event.end_date.isoformat() if event.end_date else None,
        "timezone": event.timezone,
        "priority": event.priority,
        "event_type": event.event_type,
        "status": event.status,
        "transparency": event.transparency,
        "tags": event.tags,
        "attendees": event.attendees,
        "mode": mode or event.effective_mode,
        "sub_tasks": sub_tasks,
        "all_done": event.all_done,
        "conflicts": (conflicts or {}).get(event.pk, []),
        "plugin_error": event.plugin_error or None,
        "recurrence": list(getattr(event, "recurrence", None) or []),
        "recurring_event_id": None,
        "original_start_time": None,
        "created_at": created,
        "updated_at": updated,
    }


def valid_zone_name(value: str) -> str:
    """An IANA zone name, or a field error naming the problem."""
    try:
        zone(value)
    except TimeError as exc:
        raise serializers.ValidationError(str(exc)) from None
    return value


def conflicts_of(events: list, *, version: int | None = None) -> dict[int, list[int]]:
    # Conflict detection belongs to scheduling; imported lazily (apps stay loosely coupled).
    if not events:
        return {}
    from apps.events.scheduling.planning import conflicts_map

    return conflicts_map(events, version=version)


class InstantField(serializers.Field):
    """An ISO 8601 datetime with offset (to UTC), or a ``YYYY-MM-DD`` date (all-day only)."""

    default_error_messages = {"invalid": "{message}"}

    def to_internal_value(self, data):
        try:
            return parse_instant(data)
        except TimeError as exc:
            self.fail("invalid", message=str(exc))

    def to_representation(self, value):
        return value.isoformat() if isinstance(value, date) and not isinstance(value, datetime) else iso_z(value)


class CaseChoiceField(serializers.ChoiceField):
    """A choice matched case-insensitively (v2.1 clients sent ``high`` as well as ``HIGH``)."""

    def to_internal_value(self, data):
        if isinstance(data, str):
            for choice in self.choices:
                if str(choice).lower() == data.strip().lower():
                    return choice
        return super().to_internal_value(data)


class SubTaskInput(ClonedFieldsMixin, serializers.Serializer):
    id = serializers.IntegerField(required=False, min_value=1)
    text = serializers.CharField(max_length=500)
    completed = serializers.BooleanField(required=False, default=False)


def _string_list(field: str, *, max_length: int):
    return serializers.ListField(child=serializers.CharField(max_length=max_length, allow_blank=False),
                                 max_length=200, required=False)


class EventInputSerializer(ClonedFieldsMixin, serializers.Serializer):
    """Validates a create/update body and resolves its times (see ``validate``).

    ``calendar`` is the calendar that ``validate`` read for its time zone, if it read one.
    """

    calendar: Calendar | None = None

    calendar_id = serializers.CharField(max_length=64, required=False)
    external_id = serializers.CharField(max_length=1024, required=False, allow_blank=True)
    title = serializers.CharField(max_length=500, trim_whitespace=True)
    description = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    location = serializers.CharField(max_length=500, required=False, allow_blank=True)
    start_time = InstantField()
    end_time = InstantField(required=False)
    all_day = serializers.BooleanField(required=False)
    timezone = serializers.CharField(max_length=64, required=False)
    priority = CaseChoiceField(choices=Event.Priority.choices, required=False)
    event_type = CaseChoiceField(choices=Event.EventType.choices, required=False)
    status = CaseChoiceField(choices=Event.Status.choices, required=False)
    transparency = CaseChoiceField(choices=Event.Transparency.choices, required=False)
    tags = _string_list("tags", max_length=100)
    attendees = _string_list("attendees", max_length=320)
    mode = CaseChoiceField(choices=Mode.choices, required=False, allow_null=True)
    sub_tasks = SubTaskInput(many=True, required=False)
    recurrence = serializers.ListField(child=serializers.CharField(max_length=2000, trim_whitespace=True),
                                       max_length=100, required=False, allow_empty=True)

    def validate_calendar_id(self, value: str) -> str:
        if not SLUG.match(value):
            raise serializers.ValidationError("Use letters, digits, '-' and '_' (at most 64).")
        return value

    def validate_title(self, value: str) -> str:
        limit = current().events.max_title_length
        if len(value) > limit:
            raise serializers.ValidationError(f"At most {limit} characters.")
        return value

    def validate_description(self, value: str) -> str:
        limit = current().events.max_description_bytes
        if len(value.encode("utf-8")) > limit:
            raise serializers.ValidationError(f"At most {limit} bytes (UTF-8).")
        return value

    def validate_timezone(self, value: str) -> str:
        return valid_zone_name(value)

    def validate(self, attrs):
        instance: Event | None = self.instance
        if "\x00" in attrs.get("title", "") + attrs.get("description", "") + attrs.get("location", ""):
            raise serializers.ValidationError({"detail": "Text fields must not contain NUL characters."})
        tz_name = attrs.get("timezone") or (instance.timezone if instance else None)
        if tz_name is None:
            calendar = calendar_by_id(attrs.get("calendar_id") or self.context.get("default_calendar"))
            self.calendar = calendar  # read once: the create stores the event in it
            tz_name = calendar.timezone if calendar else "UTC"
        attrs["timezone"] = tz_name
        tz = zone(tz_name)
        all_day = attrs.get("all_day", instance.all_day if instance else False)
        attrs["all_day"] = all_day
        lines = attrs.get("recurrence", instance.recurrence if instance else [])
        if lines and ("recurrence" in attrs or "timezone" in attrs or "all_day" in attrs):
            from apps.events.recurrence import RecurrenceError, validate

            try:
                attrs["recurrence"] = validate(lines, tz_name=tz_name, all_day=all_day)
            except RecurrenceError as exc:
                raise serializers.ValidationError({"recurrence": [str(exc)]}) from None
        times_given = "start_time" in attrs or "end_time" in attrs or "all_day" in attrs or "timezone" in attrs
        if instance is not None and not times_given:
            return attrs
        start = attrs.get("start_time")
        end = attrs.get("end_time")
        if instance is not None:
            if start is None:
                start = instance.start_date if instance.all_day and all_day else instance.start_time
            if end is None and "start_time" not in attrs:
                end = instance.end_date if instance.all_day and all_day else instance.end_time
        if all_day:
            start_date = start if not isinstance(start, datetime) else start.astimezone(tz).date()
            if end is None:
                end_date = start_date + timedelta(days=1)
            else:
                end_date = end if not isinstance(end, datetime) else end.astimezone(tz).date()
                if end_date <= start_date:
                    if end_date == start_date and isinstance(end, datetime):
                        end_date = start_date + timedelta(days=1)
                    else:
                        raise serializers.ValidationError({"end_time": ["must be after start_time (end date is exclusive)."]})
            if end_date.year > MAX_YEAR:
                raise serializers.ValidationError({"end_time": [f"year {end_date.year} is out of range."]})
            attrs.update(start_date=start_date, end_date=end_date, start_time=local_midnight(start_date, tz),
                         end_time=local_midnight(end_date, tz))
            return attrs
        if not isinstance(start, datetime):
            raise serializers.ValidationError({"start_time": ["A date without time is only accepted for all-day events."]})
        if end is None:
            if instance is not None and instance.end_time and "start_time" in attrs and not instance.all_day:
                end = start + (instance.end_time - instance.start_time)
            else:
                raise serializers.ValidationError({"end_time": ["This field is required."]})
        if not isinstance(end, datetime):
            raise serializers.ValidationError({"end_time": ["A date without time is only accepted for all-day events."]})
        if end < start:
            raise serializers.ValidationError({"end_time": ["must not be before start_time."]})
        attrs.update(start_time=start, end_time=end, start_date=None, end_date=None)
        return attrs


class CalendarSerializer(serializers.ModelSerializer):
    id = serializers.CharField(max_length=64, required=False)
    source = serializers.ChoiceField(choices=Calendar.Source.choices, required=False)
    default_mode = serializers.ChoiceField(choices=Mode.choices, required=False)
    sync_past_days = serializers.IntegerField(min_value=0, max_value=3650, required=False)
    sync_future_days = serializers.IntegerField(min_value=0, max_value=3650, required=False)
    buffer_minutes = serializers.IntegerField(min_value=0, max_value=24 * 60, required=False)
    slot_minutes = serializers.IntegerField(min_value=1, max_value=24 * 60, required=False)
    url = serializers.CharField(max_length=2048, required=False, allow_blank=True)
    username = serializers.CharField(max_length=255, required=False, allow_blank=True)
    # Write-only: stored encrypted (apps.core.crypto), never returned.
    password = serializers.CharField(max_length=1024, required=False, allow_blank=True, write_only=True,
                                     trim_whitespace=False)

    class Meta:
        model = Calendar
        fields = ["id", "name", "source", "external_id", "enabled", "timezone", "default_mode", "sync_past_days",
                  "sync_future_days", "working_hours", "buffer_minutes", "slot_minutes", "autocomplete_checklists",
                  "url", "username", "password", "created_at", "updated_at"]
        read_only_fields = ["created_at", "updated_at"]

    def validate_url(self, value: str) -> str:
        value = value.strip()
        if value and not re.match(r"^(https?|webcal)://[^/\s]+", value, re.IGNORECASE):
            raise serializers.ValidationError("Use an http:// or https:// URL (webcal:// for a feed).")
        return value

    def validate(self, attrs):
        source = attrs.get("source", self.instance.source if self.instance else Calendar.Source.LOCAL)
        url = attrs.get("url", self.instance.url if self.instance else "")
        if source in (Calendar.Source.CALDAV, Calendar.Source.ICS) and not url:
            what = "CalDAV calendar" if source == Calendar.Source.CALDAV else "iCalendar feed"
            raise serializers.ValidationError({"url": [f"A calendar of source {source!r} needs the {what}'s URL."]})
        if url.lower().startswith("webcal://") and source != Calendar.Source.ICS:
            raise serializers.ValidationError({"url": ["webcal:// URLs are iCalendar feeds: use source 'ics'."]})
        return attrs

    def _password(self, instance: Calendar, password: str | None) -> Calendar:
        if password is not None:
            instance.set_password(password)
            instance.save(update_fields=["password_encrypted", "updated_at"])
        return instance

    def update(self, instance, validated_data):
        password = validated_data.pop("password", None)
        return self._password(super().update(instance, validated_data), password)

    def validate_id(self, value: str) -> str:
        if not SLUG.match(value):
            raise serializers.ValidationError("Use letters, digits, '-' and '_' (at most 64).")
        if self.instance is not None and value != self.instance.pk:
            raise serializers.ValidationError("The id of a calendar cannot change.")
        if self.instance is None and Calendar.objects.filter(pk=value).exists():
            raise serializers.ValidationError("A calendar with this id exists.")
        return value

    def validate_timezone(self, value: str) -> str:
        return valid_zone_name(value)

    def validate_working_hours(self, value):
        from apps.events.scheduling.planning import working_hours_errors

        errors = working_hours_errors(value)
        if errors:
            raise serializers.ValidationError(errors)
        return value

    def create(self, validated_data):
        if not validated_data.get("id"):
            from django.utils.text import slugify

            base = slugify(validated_data.get("name", ""))[:56] or "calendar"
            candidate, n = base, 1
            while Calendar.objects.filter(pk=candidate).exists():
                n += 1
                candidate = f"{base}-{n}"
            validated_data["id"] = candidate
        password = validated_data.pop("password", None)
        return self._password(super().create(validated_data), password)


class EventLinkSerializer(serializers.ModelSerializer):
    source_event_id = serializers.IntegerField(source="source_id", min_value=1, max_value=2**62)
    target_event_id = serializers.IntegerField(source="target_id", min_value=1, max_value=2**62)
    link_type = serializers.CharField(max_length=50, required=False, default="related")

    class Meta:
        model = EventLink
        fields = ["id", "source_event_id", "target_event_id", "link_type", "created_at"]
        read_only_fields = ["id", "created_at"]

    def validate(self, attrs):
        source, target = attrs["source_id"], attrs["target_id"]
        if source == target:
            raise serializers.ValidationError({"target_event_id": ["An event cannot be linked to itself."]})
        found = set(Event.objects.filter(pk__in=[source, target]).values_list("pk", flat=True))
        for name, pk in (("source_event_id", source), ("target_event_id", target)):
            if pk not in found:
                raise serializers.ValidationError({name: [f"Event {pk} does not exist."]})
        return attrs


class NoteSerializer(serializers.ModelSerializer):
    class Meta:
        model = Note
        fields = ["id", "content", "title", "calendar_id", "event_start", "event_end", "details", "source",
                  "created_at"]


class UrlPayloadSerializer(serializers.ModelSerializer):
    class Meta:
        model = UrlPayload
        fields = ["id", "url", "title", "calendar_id", "event_start", "details", "source", "created_at"]


class OccurrenceInputSerializer(ClonedFieldsMixin, serializers.Serializer):
    """A change to one occurrence of a series: other times, other fields, or ``status: cancelled``."""

    title = serializers.CharField(max_length=500, required=False)
    description = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    location = serializers.CharField(max_length=500, required=False, allow_blank=True)
    start_time = InstantField(required=False)
    end_time = InstantField(required=False)
    priority = CaseChoiceField(choices=Event.Priority.choices, required=False)
    event_type = CaseChoiceField(choices=Event.EventType.choices, required=False)
    status = CaseChoiceField(choices=Event.Status.choices, required=False)
    tags = _string_list("tags", max_length=100)
    attendees = _string_list("attendees", max_length=320)

    def validate(self, attrs):
        occ = self.context["occurrence"]
        series = occ.event
        unknown = sorted(set(self.initial_data) - set(self.fields)) if isinstance(self.initial_data, dict) else []
        if unknown:
            raise serializers.ValidationError({unknown[0]: ["cannot differ for one occurrence; change the series."]})
        if "\x00" in attrs.get("title", "") + attrs.get("description", "") + attrs.get("location", ""):
            raise serializers.ValidationError({"detail": "Text fields must not contain NUL characters."})
        if "start_time" not in attrs and "end_time" not in attrs:
            return attrs
        tz = zone(series.timezone or "UTC")
        start = attrs.get("start_time", occ.start)
        end = attrs.get("end_time")
        if series.all_day:
            first = start if not isinstance(start, datetime) else start.astimezone(tz).date()
            last = end if end is None or not isinstance(end, datetime) else end.astimezone(tz).date()
            if last is None:
                last = first + (occ.local_dates()[1] - occ.local_dates()[0])
            if last <= first:
                raise serializers.ValidationError({"end_time": ["must be after start_time (end date is exclusive)."]})
            attrs.update(start_time=local_midnight(first, tz), end_time=local_midnight(last, tz))
            return attrs
        if not isinstance(start, datetime) or (end is not None and not isinstance(end, datetime)):
            raise serializers.ValidationError({"start_time": ["A date without time is only accepted for all-day events."]})
        if end is None:
            end = start + (occ.end - occ.start)
        if end < start:
            raise serializers.ValidationError({"end_time": ["must not be before start_time."]})
        attrs.update(start_time=start, end_time=end)
        return attrs
