from __future__ import annotations

import json
from datetime import datetime, time, timedelta

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AdminDateWidget, AdminSplitDateTime
from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils import timezone as dj_timezone
from django.utils.html import format_html, format_html_join

from apps.audit.admin import AuditTrailMixin
from apps.core.jsonparse import JSONFieldsAdminMixin
from apps.events import recurrence, services
from apps.events.models import Calendar, Event, EventException, EventLink, Note, SubTask, UrlPayload
from apps.events.timeparse import TimeError, local_time, zone, zone_or_utc
from apps.ingest.pipeline import IncomingEvent, run_pipeline
from apps.ingest.services import IngestStatus, ingest

NEXT_SHOWN = 8
WEEKDAYS = (("mon", "Monday"), ("tue", "Tuesday"), ("wed", "Wednesday"), ("thu", "Thursday"), ("fri", "Friday"),
            ("sat", "Saturday"), ("sun", "Sunday"))


def hours_text(value) -> str:
    """``["09:00", "17:00"]`` or ``[["09:00", "12:00"], ["13:00", "17:00"]]`` as "09:00-12:00, 13:00-17:00"."""
    if not value:
        return ""
    pairs = [value] if isinstance(value[0], str) else value
    return ", ".join(f"{a}-{b}" for a, b in pairs)


class CalendarForm(forms.ModelForm):
    """Working hours as a weekday grid: each day its time ranges, blank for a day off."""

    class Meta:
        model = Calendar
        exclude = ("working_hours",)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        hours = self.instance.working_hours if self.instance.pk else Calendar._meta.get_field("working_hours").default()
        for key, _label in WEEKDAYS:
            self.fields[f"hours_{key}"].initial = hours_text((hours or {}).get(key))

    def clean_timezone(self):
        value = self.cleaned_data["timezone"]
        try:
            zone(value)
        except TimeError as exc:
            raise forms.ValidationError(str(exc)) from None
        return value

    def clean(self):
        from apps.events.scheduling.planning import working_hours_errors

        cleaned = super().clean()
        hours = {}
        for key, label in WEEKDAYS:
            text = (cleaned.get(f"hours_{key}") or "").strip()
            if not text:
                continue
            pairs = []
            for part in text.split(","):
                bounds = [b.strip() for b in part.split("-")]
                if len(bounds) != 2 or not all(bounds):
                    self.add_error(f"hours_{key}", f"{label}: write ranges like 09:00-12:00, 13:00-17:00.")
                    break
                pairs.append(bounds)
            else:
                hours[key] = pairs[0] if len(pairs) == 1 else pairs
                errors = working_hours_errors({key: hours[key]})
                if errors:
                    self.add_error(f"hours_{key}", f"{label}: {'; '.join(errors)}")
        cleaned["working_hours"] = hours
        return cleaned

    def _post_clean(self):
        super()._post_clean()
        if "working_hours" in self.cleaned_data:
            self.instance.working_hours = self.cleaned_data["working_hours"]


for _key, _label in WEEKDAYS:
    CalendarForm.declared_fields[f"hours_{_key}"] = CalendarForm.base_fields[f"hours_{_key}"] = forms.CharField(
        label=_label, required=False, max_length=200,
        widget=forms.TextInput(attrs={"placeholder": "day off", "size": 30}))


@admin.register(Calendar)
class CalendarAdmin(JSONFieldsAdminMixin, AuditTrailMixin, admin.ModelAdmin):
    form = CalendarForm
    list_display = ("id", "name", "source", "enabled", "timezone", "default_mode", "updated_at")
    list_filter = ("source", "enabled", "default_mode")
    search_fields = ("id", "name", "external_id")
    fieldsets = (
        (None, {"fields": ("id", "name", "timezone", "default_mode", "enabled")}),
        ("Source", {"fields": ("source", "external_id", "sync_past_days", "sync_future_days")}),
        ("Working hours", {"fields": tuple(f"hours_{key}" for key, _ in WEEKDAYS),
                           "description": "Local time in the calendar's zone; e.g. 09:00-12:00, 13:00-17:00. "
                                          "A blank day is a day off; all days blank: the defaults of "
                                          "scheduling.working_hours."}),
        ("Planning", {"fields": ("buffer_minutes", "slot_minutes", "autocomplete_checklists")}),
    )


class SubTaskInline(admin.TabularInline):
    model = SubTask
    extra = 0
    fields = ("position", "text", "completed", "completed_at")
    readonly_fields = ("completed_at",)


class ListField(forms.CharField):
    """A list of short values typed one per line (or separated by commas), stored as a JSON list."""

    widget = forms.Textarea(attrs={"rows": 3, "cols": 40})

    def prepare_value(self, value):
        if isinstance(value, list | tuple):
            return "\n".join(str(v.get("email", v) if isinstance(v, dict) else v) for v in value)
        return value

    def to_python(self, value):
        text = super().to_python(value) or ""
        items = [part.strip() for line in text.splitlines() for part in line.split(",")]
        return [item for item in items if item]


class LocalDateTimeField(forms.SplitDateTimeField):
    """Date and time as typed, without a zone: the form places them in the event's zone."""

    widget = AdminSplitDateTime

    def compress(self, data_list):
        if data_list and data_list[0] and data_list[1]:
            return datetime.combine(*data_list)
        return None


def local_label(obj: Event, value: datetime | None = None) -> str:
    """How a person reads an event's start: in its own zone, with the zone named."""
    tz = zone_or_utc(obj.timezone)
    if obj.all_day and obj.start_date:
        last = (obj.end_date - timedelta(days=1)) if obj.end_date and obj.end_date > obj.start_date else obj.start_date
        if last == obj.start_date:
            return f"{obj.start_date:%a %d %b %Y} (all day)"
        return f"{obj.start_date:%a %d %b} – {last:%a %d %b %Y} (all day)"
    local = (value or obj.start_time).astimezone(tz)
    return f"{local:%a %d %b %Y %H:%M} {obj.timezone}"


class RecurrenceField(forms.CharField):
    """Google's ``recurrence`` list edited as text, one RFC 5545 line per row."""

    widget = forms.Textarea(attrs={"rows": 3, "cols": 80, "style": "font-family: monospace",
                                   "placeholder": "RRULE:FREQ=WEEKLY;BYDAY=MO,WE;UNTIL=20270630T000000Z"})

    def prepare_value(self, value):
        if isinstance(value, list | tuple):
            return "\n".join(value)
        return value

    def to_python(self, value):
        text = super().to_python(value) or ""
        return [line.strip() for line in text.splitlines() if line.strip()]


class EventForm(forms.ModelForm):
    """Times are typed and shown in the event's zone (blank zone: the calendar's)."""

    start_time = LocalDateTimeField(label="Start", required=False)
    end_time = LocalDateTimeField(label="End", required=False)
    start_date = forms.DateField(label="First day", required=False, widget=AdminDateWidget,
                                 help_text="All-day events only.")
    last_day = forms.DateField(label="Last day", required=False, widget=AdminDateWidget,
                               help_text="All-day events only; the day the event ends on (inclusive).")
    timezone = forms.CharField(required=False, max_length=64,
                               help_text="IANA zone, e.g. Europe/Berlin. Blank: the calendar's zone.")
    tags = ListField(required=False, help_text="One per line or separated by commas.")
    attendees = ListField(required=False, help_text="E-mail addresses, one per line or separated by commas.")
    recurrence = RecurrenceField(
        required=False, label="Repeats",
        help_text="Empty: a single event. One line each: RRULE:FREQ=DAILY;COUNT=10 — "
                  "RRULE:FREQ=WEEKLY;BYDAY=MO,WE;UNTIL=20270630T000000Z — "
                  "EXDATE;TZID=Europe/Berlin:20270105T093000 (skip that one) — RDATE:20270110T090000Z (add one). "
                  "Times repeat on the event's own time zone.")

    class Meta:
        model = Event
        fields = ("title", "calendar", "all_day", "start_time", "end_time", "start_date", "timezone",
                  "description", "location", "priority", "event_type", "status", "mode", "transparency", "tags",
                  "attendees")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.outcome_preview = None
        instance = self.instance
        if instance.pk:
            tz = zone_or_utc(instance.timezone)
            self.initial["start_time"] = instance.start_time.astimezone(tz).replace(tzinfo=None)
            self.initial["end_time"] = instance.end_time.astimezone(tz).replace(tzinfo=None)
            if instance.all_day and instance.end_date:
                self.initial["last_day"] = max(instance.end_date - timedelta(days=1),
                                               instance.start_date or instance.end_date)
            label = instance.timezone
        else:
            label = "calendar's zone"
        for name, word in (("start_time", "Start"), ("end_time", "End")):
            self.fields[name].label = f"{word} ({label})"
            self.fields[name].help_text = f"Local time in {label if self.instance.pk else 'the zone below, else the calendar’s'}."

    def zone_name(self, cleaned) -> str:
        if cleaned.get("timezone"):
            return cleaned["timezone"]
        calendar = cleaned.get("calendar")
        if self.instance.pk and not self.has_changed():
            return self.instance.timezone
        return calendar.timezone if calendar is not None else "UTC"

    def clean(self):
        cleaned = super().clean()
        calendar = cleaned.get("calendar")
        if calendar is not None and calendar.read_only:
            self.add_error("calendar", f"{calendar} is a read-only iCalendar subscription: its entries change only "
                                       "in the feed.")
        name = self.zone_name(cleaned)
        try:
            tz = zone(name)
        except TimeError as exc:
            self.add_error("timezone", str(exc))
            return cleaned
        cleaned["timezone"] = name
        lines = cleaned.get("recurrence") or []
        if lines:
            try:
                cleaned["recurrence"] = recurrence.validate(lines, tz_name=name, all_day=bool(cleaned.get("all_day")))
            except recurrence.RecurrenceError as exc:
                self.add_error("recurrence", str(exc))
        if cleaned.get("all_day"):
            first, last = cleaned.get("start_date"), cleaned.get("last_day")
            if first is None and cleaned.get("start_time"):
                first = cleaned["start_time"].date()
            if first is None:
                self.add_error("start_date", "An all-day event needs its first day.")
                return cleaned
            last = last or first
            if last < first:
                self.add_error("last_day", "must not be before the first day.")
                return cleaned
            cleaned["start_date"], cleaned["end_date"] = first, last + timedelta(days=1)
            cleaned["start_time"] = datetime.combine(first, time(), tz)
            cleaned["end_time"] = datetime.combine(cleaned["end_date"], time(), tz)
        else:
            start, end = cleaned.get("start_time"), cleaned.get("end_time")
            if start is None:
                self.add_error("start_time", "Enter the start date and time.")
            if end is None:
                self.add_error("end_time", "Enter the end date and time.")
            if start is None or end is None:
                return cleaned
            cleaned["start_time"], cleaned["end_time"] = start.replace(tzinfo=tz), end.replace(tzinfo=tz)
            if cleaned["end_time"] < cleaned["start_time"]:
                self.add_error("end_time", "must not be before the start time.")
                return cleaned
            cleaned["start_date"] = cleaned["end_date"] = None
        if not self.instance.pk and not self.errors:
            self._check_entry(cleaned)
        return cleaned

    def _post_clean(self):
        super()._post_clean()
        if "end_date" in self.cleaned_data:
            self.instance.end_date = self.cleaned_data["end_date"]

    def incoming(self) -> IncomingEvent:
        c = self.cleaned_data
        calendar = c.get("calendar")
        return IncomingEvent(
            title=c["title"], start_time=c["start_time"], end_time=c["end_time"],
            calendar_id=calendar.pk if calendar else services.default_calendar_id(), source="api",
            description=c.get("description") or "", location=c.get("location") or "",
            all_day=bool(c.get("all_day")), start_date=c.get("start_date"), end_date=c.get("end_date"),
            timezone=c["timezone"], attendees=list(c.get("attendees") or []),
            tags=list(c.get("tags") or []), **({"transparency": c["transparency"]} if c.get("transparency") else {}),
        )

    def extra_fields(self) -> dict:
        return {name: self.cleaned_data.get(name) for name in services.EXTRA_FIELDS}

    def _check_entry(self, cleaned) -> None:
        """Run the entry through the plugins and roll back: a refusal is shown with the form kept."""
        try:
            with transaction.atomic():
                result = run_pipeline(self.incoming())
                raise _DryRun(result)
        except _DryRun as dry:
            result = dry.result
        if result.rejection:
            self.add_error("title", f"Refused by {result.rejected_by}: {result.rejection}")


class _DryRun(Exception):
    def __init__(self, result) -> None:
        super().__init__("dry run")
        self.result = result


def checklist_state(event: Event) -> dict:
    items = [{"id": sub.pk, "text": sub.text, "completed": sub.completed,
              "completed_at": local_time(sub.completed_at, event.timezone) if sub.completed_at else ""}
             for sub in SubTask.objects.filter(event_id=event.pk).order_by("position", "id")]
    return {"items": items, "status": event.status, "status_label": event.get_status_display(),
            "all_done": event.all_done}


def event_panels(event: Event) -> dict:
    """What the change page shows above the form: conflicts as links, free slots, the live checklist."""
    from apps.events.scheduling.planning import conflicts_for, suggest_slots
    from chronos.config import current

    ids = conflicts_for(event)
    others = list(Event.objects.filter(pk__in=ids[:20]).select_related("calendar").order_by("start_time"))
    conflicts = [{"title": o.title, "when": local_label(o), "calendar": o.calendar.name,
                  "url": reverse("admin:events_event_change", args=[o.pk])} for o in others]
    slots = []
    if ids and event.effective_mode == "auto_plan":
        slots = [{"value": s["start_time"].isoformat(), "label": local_time(s["start_time"], event.timezone)}
                 for s in suggest_slots(event, limit=current().scheduling.suggestion_count)]
    return {"conflicts": conflicts, "conflict_more": max(0, len(ids) - len(others)), "slots": slots,
            "checklist": checklist_state(event),
            "checklist_url": reverse("admin:events_event_checklist", args=[event.pk]),
            "slot_url": reverse("admin:events_event_slot", args=[event.pk]),
            "mode": event.effective_mode}


CREATED_ADMIN = {"command": "admin:commands_command_change", "note": "admin:events_note_change",
                 "url": "admin:events_urlpayload_change"}


def describe_created(created: dict) -> str:
    """'command #12 (BACKUP → N8N)' for what an entry became."""
    kind, pk = created.get("type", "entry"), created.get("id")
    if kind == "command":
        from django.apps import apps as django_apps

        command = django_apps.get_model("commands", "Command").objects.filter(pk=pk).first()
        if command is not None:
            return f"command #{pk} ({command.command} → {command.target_system})"
    return f"{kind} #{pk}"


class EventExceptionInline(admin.TabularInline):
    model = EventException
    extra = 0
    fields = ("original_start", "cancelled", "start_time", "end_time", "overrides", "external_id")
    verbose_name = "changed or cancelled occurrence"
    verbose_name_plural = "changed or cancelled occurrences"


class RecurringFilter(admin.SimpleListFilter):
    title = "repeats"
    parameter_name = "repeats"

    def lookups(self, request, model_admin):
        return (("yes", "series"), ("no", "single events"))

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(is_recurring=self.value() == "yes")
        return queryset


@admin.register(Event)
class EventAdmin(JSONFieldsAdminMixin, AuditTrailMixin, admin.ModelAdmin):
    form = EventForm
    change_form_template = "admin/events/event/change_form.html"
    list_display = ("entry", "calendar", "starts", "all_day", "status", "show_as", "priority", "repeats",
                    "conflict_hint")
    # No date_hierarchy: its "which years have events" query reads every row (1 s at 100k
    # events); the calendar view is the way to browse by date, the filter narrows the list.
    list_filter = ("calendar", ("start_time", admin.DateFieldListFilter), "status", "transparency", "priority",
                   "event_type", "all_day", RecurringFilter)
    radio_fields = {"transparency": admin.HORIZONTAL}
    search_fields = ("title", "description", "location", "external_id")
    list_select_related = ("calendar",)
    readonly_fields = ("external_id", "etag", "all_done", "plugin_error", "created_at", "updated_at",
                       "recurrence_summary", "next_occurrences")
    inlines = [SubTaskInline]
    show_full_result_count = False
    actions: list = []
    fieldsets = (
        (None, {"fields": ("title", "calendar", "timezone", "all_day")}),
        ("When", {"fields": (("start_time", "end_time"), ("start_date", "last_day"))}),
        ("Repeats", {"fields": ("recurrence", "recurrence_summary", "next_occurrences")}),
        ("Details", {"fields": ("description", "location", "priority", "event_type", "status", "mode",
                                "transparency", "tags", "attendees")}),
        ("Record", {"fields": ("external_id", "etag", "all_done", "plugin_error", "created_at", "updated_at"),
                    "classes": ("collapse",)}),
    )

    def get_inlines(self, request, obj):
        # A stored event's checklist is edited live on its page (each tick saves at once);
        # a new event takes its first items with the form.
        # A stored series lists its changed or cancelled occurrences.
        if obj is not None:
            return [EventExceptionInline] if obj.is_recurring else []
        return [SubTaskInline]

    def get_urls(self):
        return [
            path("<int:event_id>/checklist/", self.admin_site.admin_view(self.checklist_view),
                 name="events_event_checklist"),
            path("<int:event_id>/slot/", self.admin_site.admin_view(self.slot_view), name="events_event_slot"),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        event = Event.objects.select_related("calendar").filter(pk=object_id).first()
        extra_context = dict(extra_context or {})
        if event is not None:
            extra_context.update(event_panels(event))
        return super().change_view(request, object_id, form_url, extra_context=extra_context)

    def checklist_view(self, request, event_id: int):
        """Tick, untick, add, delete or reorder one checklist item at once (JSON in, the checklist out)."""
        event = get_object_or_404(Event.objects.select_related("calendar"), pk=event_id)
        if request.method != "POST" or not self.has_change_permission(request, event):
            return JsonResponse({"detail": "You may not change this event."}, status=403)
        try:
            body = json.loads(request.body or b"{}")
            op = body["op"]
            if op == "add":
                text = str(body.get("text") or "").strip()
                if not text or len(text) > 500:
                    return JsonResponse({"detail": "text: 1 to 500 characters."}, status=400)
                services.add_sub_task(event=event, text=text)
            elif op in ("tick", "delete", "rename"):
                sub = get_object_or_404(SubTask, pk=int(body["id"]), event_id=event.pk)
                if op == "tick":
                    services.change_sub_task(sub=sub, completed=bool(body["completed"]))
                elif op == "rename":
                    services.change_sub_task(sub=sub, text=str(body["text"]).strip()[:500])
                else:
                    services.delete_sub_task(sub=sub)
            elif op == "order":
                services.reorder_sub_tasks(event=event, order=[int(i) for i in body["order"]])
            else:
                return JsonResponse({"detail": f"unknown op {op!r}"}, status=400)
        except (KeyError, TypeError, ValueError) as exc:
            return JsonResponse({"detail": f"bad request: {exc}"}, status=400)
        event.refresh_from_db()
        return JsonResponse(checklist_state(event))

    def slot_view(self, request, event_id: int):
        """'Move here' or 'keep it here' for a suggested slot; both audited as in the API."""
        from datetime import datetime as dt

        from apps.events.scheduling.rescheduling import RescheduleRefused, reject_slot, reschedule

        event = get_object_or_404(Event.objects.select_related("calendar"), pk=event_id)
        back = HttpResponseRedirect(reverse("admin:events_event_change", args=[event.pk]))
        if request.method != "POST" or not self.has_change_permission(request, event):
            return back
        try:
            start = dt.fromisoformat(request.POST.get("start_time", ""))
        except ValueError:
            start = None
        if request.POST.get("action") == "reject":
            reject_slot(event, start_time=start, reason=request.POST.get("reason", ""))
            self.message_user(request, "Kept where it is; the suggestion was turned down (audited).")
            return back
        if start is None or start.tzinfo is None:
            self.message_user(request, "start_time: give the slot's time with its offset.", messages.ERROR)
            return back
        try:
            moved = reschedule(event, start)
        except RescheduleRefused as exc:
            self.message_user(request, str(exc), messages.ERROR)
            return back
        self.message_user(request, f"Moved to {local_label(moved)}.", messages.SUCCESS)
        return back

    def get_changelist_instance(self, request):
        # One batched conflict lookup for the whole page instead of one query per row.
        from apps.events.scheduling.planning import conflicts_map

        changelist = super().get_changelist_instance(request)
        rows = list(changelist.result_list)
        found = conflicts_map(rows)
        shown = {pk for ids in found.values() for pk in ids[:5]}
        titles = dict(Event.objects.filter(pk__in=shown).values_list("pk", "title")) if shown else {}
        for row in rows:
            row._conflict_ids = found.get(row.pk, [])
            row._conflict_titles = titles
        return changelist

    @staticmethod
    def _summary(obj: Event) -> str:
        return recurrence.describe(obj.recurrence, tz_name=obj.timezone, all_day=obj.all_day,
                                   start=recurrence.to_local(obj, obj.start_time))

    @admin.display(description="repeats")
    def repeats(self, obj: Event) -> str:
        if not obj.recurrence:
            return "—"
        text = self._summary(obj)
        short = text if len(text) <= 32 else text[:31] + "…"
        return format_html('<span title="{}" style="white-space: nowrap">{}</span>', text, short)

    @admin.display(description="in plain words")
    def recurrence_summary(self, obj: Event) -> str:
        if obj.pk is None or not obj.recurrence:
            return "A single event (nothing repeats)."
        return self._summary(obj)

    @admin.display(description="next occurrences")
    def next_occurrences(self, obj: Event) -> str:
        if obj.pk is None or not obj.recurrence:
            return "—"
        tz = zone(obj.timezone or "UTC")
        upcoming = []
        for occ in recurrence.iter_occurrences(obj, dj_timezone.now(), None, exceptions=obj.exceptions.all()):
            upcoming.append(occ)
            if len(upcoming) == NEXT_SHOWN:
                break
        if not upcoming:
            return "No occurrence lies ahead: the series has ended."

        def line(occ):
            if obj.all_day:
                first, last = occ.local_dates()
                when = f"{first:%a %d %b %Y}" + (f" – {last:%a %d %b %Y}" if (last - first).days > 1 else "")
            else:
                local = occ.start.astimezone(tz)
                when = f"{local:%a %d %b %Y, %H:%M}–{occ.end.astimezone(tz):%H:%M}"
            note = ""
            if occ.exception is not None:
                note = " (moved)" if occ.exception.start_time is not None else " (changed)"
            return (when, note)

        items = format_html_join("", "<li>{}{}</li>", (line(o) for o in upcoming))
        return format_html('<ul style="margin:0; padding-left:1.2em">{}</ul><p class="help">Times in {}.</p>',
                           items, obj.timezone or "UTC")
    @admin.display(description="starts", ordering="start_time")
    def starts(self, obj: Event) -> str:
        return local_label(obj)

    @admin.display(description="conflicts")
    def conflict_hint(self, obj: Event) -> str:
        ids = getattr(obj, "_conflict_ids", None)
        if ids is None:
            from apps.events.scheduling.planning import conflicts_for

            ids = conflicts_for(obj)
        if not ids:
            return "—"
        titles = getattr(obj, "_conflict_titles", None)
        if titles is None:
            titles = dict(Event.objects.filter(pk__in=ids[:5]).values_list("pk", "title"))
        links = format_html_join(", ", '<a href="{}">{}</a>', (
            (reverse("admin:events_event_change", args=[pk]), titles.get(pk, f"event {pk}")) for pk in ids[:5]))
        return format_html("{}{}", links, " …" if len(ids) > 5 else "")

    def _say_timed_action(self, request, obj) -> None:
        # Say on the page what a timed ACTION entry will do now (other apps add it to the answer).
        from apps.events.services import answer_extras

        action = answer_extras(obj).get("action")
        if action:
            from datetime import datetime

            local = local_time(datetime.fromisoformat(action["fire_at"].replace("Z", "+00:00")), obj.timezone)
            self.message_user(request, f"Timed action {action['command']} {action['target_system']}: "
                                       f"{action['state']}, fires at {local}.")

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            self._say_timed_action(request, obj)
            return
        # A new entry takes the same path as one sent to the API: the plugins may turn it into
        # a command, a note or a URL instead of an event.
        outcome = ingest(form.incoming(), extra_fields=form.extra_fields(), calendar=form.cleaned_data.get("calendar"))
        request._chronos_outcome = outcome
        if outcome.status == IngestStatus.CREATED:
            stored = outcome.event
            for field in Event._meta.concrete_fields:
                setattr(obj, field.attname, getattr(stored, field.attname))
            obj._state.adding, obj._state.db = False, stored._state.db
            self._say_timed_action(request, obj)
        elif outcome.status == IngestStatus.REJECTED:  # the form's dry run said yes: the rules changed since
            raise PermissionDenied(outcome.rejection)

    def _consumed(self, request):
        outcome = getattr(request, "_chronos_outcome", None)
        return outcome if outcome is not None and outcome.status == IngestStatus.CONSUMED else None

    @admin.display(description="title", ordering="title")
    def entry(self, obj: Event) -> str:
        # Free entries are shown, but lighter: they never block time.
        if obj.transparency == Event.Transparency.TRANSPARENT:
            return format_html('<span class="chronos-free" style="opacity:.6;font-style:italic">{}</span>', obj.title)
        return obj.title

    @admin.display(description="show as", ordering="transparency")
    def show_as(self, obj: Event) -> str:
        if obj.transparency == Event.Transparency.TRANSPARENT:
            return format_html('<span class="chronos-free" style="padding:1px 6px;border:1px dashed #888;'
                               'border-radius:3px;background:repeating-linear-gradient(45deg,#f4f4f4 0 4px,'
                               '#e2e2e2 4px 8px)">{}</span>', "free")
        return "busy"

    def has_change_permission(self, request, obj=None) -> bool:
        # Entries of a subscribed feed change only in the feed: shown, never edited here.
        if obj is not None and obj.calendar.read_only:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        if obj is not None and obj.calendar.read_only:
            return False
        return super().has_delete_permission(request, obj)

    def save_related(self, request, form, formsets, change):
        if self._consumed(request):
            return
        super().save_related(request, form, formsets, change)
        from apps.events.checklists import maybe_autocomplete
        from apps.events.services import sync_all_done

        sync_all_done(form.instance)
        # An entry typed in after the fact with every item ticked completes like a live tick.
        maybe_autocomplete(form.instance)

    def save_formset(self, request, form, formset, change):
        if formset.model is SubTask:
            # Items ticked on a new event's form say when they were done, as a live tick does.
            now = dj_timezone.now()
            for sub_form in formset.forms:
                sub = sub_form.instance
                if sub.completed and sub.completed_at is None:
                    sub.completed_at = now
                elif not sub.completed:
                    sub.completed_at = None
        super().save_formset(request, form, formset, change)

    def construct_change_message(self, request, form, formsets, add=False):
        if self._consumed(request):
            return []
        return super().construct_change_message(request, form, formsets, add)

    def log_addition(self, request, obj, message):
        if self._consumed(request):
            return None
        return super().log_addition(request, obj, message)

    def response_add(self, request, obj, post_url_continue=None):
        outcome = self._consumed(request)
        if outcome is None:
            return super().response_add(request, obj, post_url_continue)
        created = outcome.created or {}
        text = describe_created(created)
        target = CREATED_ADMIN.get(created.get("type"))
        url = reverse(target, args=[created["id"]]) if target and created.get("id") else reverse("admin:index")
        self.message_user(request, format_html('Not stored as an event: it became <a href="{}">{}</a>.', url, text),
                          messages.SUCCESS)
        return HttpResponseRedirect(url)


@admin.register(EventLink)
class EventLinkAdmin(AuditTrailMixin, admin.ModelAdmin):
    list_display = ("id", "source", "link_type", "target", "created_at")
    list_filter = ("link_type",)
    search_fields = ("source__title", "target__title", "link_type")
    raw_id_fields = ("source", "target")


@admin.register(Note)
class NoteAdmin(JSONFieldsAdminMixin, AuditTrailMixin, admin.ModelAdmin):
    list_display = ("__str__", "title", "calendar", "source", "event_start", "created_at")
    list_select_related = ("calendar",)  # one query for the page, not one per row's calendar
    list_filter = ("source", "calendar")
    search_fields = ("content", "title")
    date_hierarchy = "created_at"


@admin.register(UrlPayload)
class UrlPayloadAdmin(JSONFieldsAdminMixin, AuditTrailMixin, admin.ModelAdmin):
    list_display = ("url", "title", "calendar", "source", "created_at")
    list_select_related = ("calendar",)
    # A URL typed without a scheme is taken as https (what Django 6 will do by default).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_filter = ("source", "calendar")
    search_fields = ("url", "title")
    date_hierarchy = "created_at"
