from __future__ import annotations

from django import forms
from django.contrib import admin
from django.db import models
from django.utils import timezone as dj_timezone
from django.utils.html import format_html, format_html_join

from apps.audit.admin import AuditTrailMixin
from apps.core.jsonparse import JSONFieldsAdminMixin
from apps.events import recurrence
from apps.events.models import Calendar, Event, EventException, EventLink, Note, SubTask, UrlPayload
from apps.events.timeparse import TimeError, zone

NEXT_SHOWN = 8


class CalendarForm(forms.ModelForm):
    class Meta:
        model = Calendar
        fields = "__all__"

    def clean_timezone(self):
        value = self.cleaned_data["timezone"]
        try:
            zone(value)
        except TimeError as exc:
            raise forms.ValidationError(str(exc)) from None
        return value

    def clean_working_hours(self):
        from apps.events.scheduling import working_hours_errors

        value = self.cleaned_data["working_hours"]
        errors = working_hours_errors(value)
        if errors:
            raise forms.ValidationError(errors)
        return value


@admin.register(Calendar)
class CalendarAdmin(JSONFieldsAdminMixin, AuditTrailMixin, admin.ModelAdmin):
    form = CalendarForm
    list_display = ("id", "name", "source", "enabled", "timezone", "default_mode", "updated_at")
    list_filter = ("source", "enabled", "default_mode")
    search_fields = ("id", "name", "external_id")


class SubTaskInline(admin.TabularInline):
    model = SubTask
    extra = 0
    fields = ("position", "text", "completed", "completed_at")


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
    recurrence = RecurrenceField(
        required=False, label="Repeats",
        help_text="Empty: a single event. One line each: RRULE:FREQ=DAILY;COUNT=10 — "
                  "RRULE:FREQ=WEEKLY;BYDAY=MO,WE;UNTIL=20270630T000000Z — "
                  "EXDATE;TZID=Europe/Berlin:20270105T093000 (skip that one) — RDATE:20270110T090000Z (add one). "
                  "Times repeat on the event's own time zone.")

    class Meta:
        model = Event
        fields = "__all__"

    def clean(self):
        cleaned = super().clean()
        calendar = cleaned.get("calendar")
        if calendar is not None and calendar.read_only:
            self.add_error("calendar", f"{calendar} is a read-only iCalendar subscription: its entries change only "
                                       "in the feed.")
        lines = cleaned.get("recurrence") or []
        if lines:
            try:
                cleaned["recurrence"] = recurrence.validate(lines, tz_name=cleaned.get("timezone") or "UTC",
                                                            all_day=bool(cleaned.get("all_day")))
            except recurrence.RecurrenceError as exc:
                self.add_error("recurrence", str(exc))
        start, end = cleaned.get("start_time"), cleaned.get("end_time")
        if start and end and end < start:
            self.add_error("end_time", "must not be before the start time.")
        tz = cleaned.get("timezone")
        if tz:
            try:
                zone(tz)
            except TimeError as exc:
                self.add_error("timezone", str(exc))
        if cleaned.get("all_day") and start and end and not (cleaned.get("start_date") and cleaned.get("end_date")):
            # Keep the dates of an all-day event in step with its times, as the API does.
            local = zone(tz or "UTC")
            cleaned["start_date"] = start.astimezone(local).date()
            cleaned["end_date"] = max(end.astimezone(local).date(), cleaned["start_date"])
        return cleaned


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
    list_display = ("entry", "calendar", "start_time", "end_time", "all_day", "status", "show_as", "priority",
                    "repeats", "conflict_hint")
    list_filter = ("calendar", "status", "transparency", "priority", "event_type", "all_day", RecurringFilter)
    radio_fields = {"transparency": admin.HORIZONTAL}
    search_fields = ("title", "description", "location", "external_id")
    date_hierarchy = "start_time"
    list_select_related = ("calendar",)
    readonly_fields = ("recurrence_summary", "next_occurrences", "all_done", "plugin_error", "created_at",
                       "updated_at")
    inlines = [SubTaskInline, EventExceptionInline]
    fieldsets = (
        (None, {"fields": ("calendar", "title", "description", "location", "start_time", "end_time", "all_day",
                           "start_date", "end_date", "timezone")}),
        ("Repeats", {"fields": ("recurrence", "recurrence_summary", "next_occurrences")}),
        ("Details", {"fields": ("priority", "event_type", "status", "mode", "transparency", "tags", "attendees",
                                "external_id",
                                "etag", "all_done", "plugin_error", "created_at", "updated_at")}),
    )

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
    show_full_result_count = False
    actions: list = []

    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        # Say on the page what a timed ACTION entry will do now (other apps add it to the answer).
        from apps.events.services import answer_extras

        action = answer_extras(obj).get("action")
        if action:
            from datetime import datetime

            at = datetime.fromisoformat(action["fire_at"].replace("Z", "+00:00"))
            try:
                local = f"{at.astimezone(zone(obj.timezone or 'UTC')):%Y-%m-%d %H:%M} {obj.timezone or 'UTC'}"
            except TimeError:
                local = f"{at:%Y-%m-%d %H:%M} UTC"
            self.message_user(request, f"Timed action {action['command']} {action['target_system']}: "
                                       f"{action['state']}, fires at {local}.")

    def get_changelist_instance(self, request):
        # One batched conflict lookup for the whole page instead of one query per row.
        from apps.events.scheduling import conflicts_map

        changelist = super().get_changelist_instance(request)
        rows = list(changelist.result_list)
        found = conflicts_map(rows)
        for row in rows:
            row._conflict_ids = found.get(row.pk, [])
        return changelist

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

    @admin.display(description="conflicts")
    def conflict_hint(self, obj: Event) -> str:
        ids = getattr(obj, "_conflict_ids", None)
        if ids is None:
            from apps.events.scheduling import conflicts_for

            ids = conflicts_for(obj)
        return ", ".join(f"#{i}" for i in ids[:5]) + (" …" if len(ids) > 5 else "") if ids else "—"

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
        super().save_related(request, form, formsets, change)
        from apps.events.services import sync_all_done

        sync_all_done(form.instance)


@admin.register(EventLink)
class EventLinkAdmin(AuditTrailMixin, admin.ModelAdmin):
    list_display = ("id", "source", "link_type", "target", "created_at")
    list_filter = ("link_type",)
    search_fields = ("source__title", "target__title", "link_type")
    raw_id_fields = ("source", "target")


@admin.register(Note)
class NoteAdmin(JSONFieldsAdminMixin, AuditTrailMixin, admin.ModelAdmin):
    list_display = ("__str__", "title", "calendar", "source", "event_start", "created_at")
    list_filter = ("source", "calendar")
    search_fields = ("content", "title")
    date_hierarchy = "created_at"


@admin.register(UrlPayload)
class UrlPayloadAdmin(JSONFieldsAdminMixin, AuditTrailMixin, admin.ModelAdmin):
    list_display = ("url", "title", "calendar", "source", "created_at")
    # A URL typed without a scheme is taken as https (what Django 6 will do by default).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_filter = ("source", "calendar")
    search_fields = ("url", "title")
    date_hierarchy = "created_at"
