from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html

from apps.audit.admin import AuditTrailMixin
from apps.commands import services
from apps.commands.models import ActionFiring, Command
from apps.events.timeparse import local_time


class FailReasonForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3, "cols": 60}), max_length=2000)


def _each(modeladmin, request, queryset, fn, verb: str, **kwargs) -> None:
    done, refused = 0, []
    for command in queryset.order_by("id"):
        try:
            fn(command_id=command.pk, **kwargs)
            done += 1
        except services.IllegalTransition as exc:
            refused.append(str(exc))
    if done:
        modeladmin.message_user(request, f"{verb} {done} command(s).", messages.SUCCESS)
    for message in refused:
        modeladmin.message_user(request, message, messages.WARNING)


@admin.action(description="Requeue (PENDING now, fresh retries)")
def requeue(modeladmin, request, queryset):
    _each(modeladmin, request, queryset, services.requeue, "Requeued")


@admin.action(description="Mark completed (runs workflows)")
def mark_completed(modeladmin, request, queryset):
    _each(modeladmin, request, queryset, services.mark_completed, "Completed")


@admin.action(description="Mark failed (asks for a reason)")
def mark_failed(modeladmin, request, queryset):
    if "apply" in request.POST:
        form = FailReasonForm(request.POST)
        if form.is_valid():
            _each(modeladmin, request, queryset, services.mark_failed, "Failed", reason=form.cleaned_data["reason"])
            return None
    else:
        form = FailReasonForm()
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": "Mark commands failed",
        "commands": queryset.order_by("id"),
        "form": form,
        "opts": modeladmin.model._meta,
        "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
    }
    return TemplateResponse(request, "admin/commands/command/mark_failed.html", context)


def command_form(entry) -> type[forms.Form]:
    """A form with one typed field per parameter the whitelist entry allows (required as it says)."""
    required = set(entry.required_params or [])
    fields = {}
    for name, kind in (entry.allowed_params or {}).items():
        options = {"required": name in required, "label": f"{name} ({kind})"}
        fields[name] = {
            "int": lambda o: forms.IntegerField(**o),
            "email": lambda o: forms.EmailField(**o),
            "bool": lambda o: forms.TypedChoiceField(choices=[("", "—"), ("true", "true"), ("false", "false")],
                                                    coerce=lambda v: v == "true", empty_value=None, **o),
            "datetime": lambda o: forms.CharField(help_text="ISO 8601 with offset, e.g. 2026-12-07T09:30:00+01:00",
                                                  **o),
            "url": lambda o: forms.URLField(assume_scheme="https", **o),
        }.get(kind, lambda o: forms.CharField(max_length=2000, **o))(options)
    return type("CommandParametersForm", (forms.Form,), fields)


@admin.register(Command)
class CommandAdmin(AuditTrailMixin, admin.ModelAdmin):
    """The queue: filter by status/system; requeue, complete or fail by hand (all audited)."""

    list_display = (
        "id",
        "command",
        "target_system",
        "status",
        "retries",
        "max_retries",
        "created_at",
        "timeout_at",
        "short_error",
    )
    list_filter = ("status", "target_system")
    search_fields = ("command", "target_system", "source_event_id", "idempotency_key")
    actions = [requeue, mark_completed, mark_failed]
    readonly_fields = [*(f.name for f in Command._meta.fields), "timed_action"]
    list_per_page = 100
    # The queue records its own entries under this entity name (see apps.commands.services).
    audit_entity = services.ENTITY
    change_form_template = "admin/commands/command/change_form.html"

    def get_urls(self):
        from django.urls import path

        return [path("<int:command_id>/act/", self.admin_site.admin_view(self.act_view), name="commands_command_act"),
                *super().get_urls()]

    def act_view(self, request, command_id: int):
        """The detail page's buttons: requeue, mark completed, mark failed with a reason (all audited)."""
        from django.http import HttpResponseRedirect
        from django.urls import reverse

        back = HttpResponseRedirect(reverse("admin:commands_command_change", args=[command_id]))
        if request.method != "POST" or not self.has_view_permission(request):
            return back
        op = request.POST.get("op")
        try:
            if op == "requeue":
                services.requeue(command_id=command_id)
                self.message_user(request, f"Command #{command_id} is PENDING again with fresh retries.",
                                  messages.SUCCESS)
            elif op == "complete":
                services.mark_completed(command_id=command_id)
                self.message_user(request, f"Command #{command_id} marked completed.", messages.SUCCESS)
            elif op == "fail":
                reason = (request.POST.get("reason") or "").strip()
                if not reason:
                    self.message_user(request, "reason: say why the command failed.", messages.ERROR)
                    return back
                services.mark_failed(command_id=command_id, reason=reason[:2000])
                self.message_user(request, f"Command #{command_id} marked failed.", messages.SUCCESS)
        except services.IllegalTransition as exc:
            self.message_user(request, str(exc), messages.WARNING)
        return back

    @admin.display(description="fired by timed action")
    def timed_action(self, obj: Command) -> str:
        firing = obj.firings.first()
        if firing is None:
            return "—"
        url = reverse("admin:commands_actionfiring_change", args=[firing.pk])
        return format_html('<a href="{}">{}</a>', url, f"#{firing.pk} at {local_time(firing.fire_at, 'UTC')}")

    @admin.display(description="last error")
    def short_error(self, obj: Command) -> str:
        return obj.last_error[:80]

    def has_add_permission(self, request) -> bool:
        # Added through the whitelist-checked form below (add_view), like the API creates them.
        return request.user.has_perm("commands.add_command")

    def add_view(self, request, form_url="", extra_context=None):
        """Step 1: pick an action from the whitelist; step 2: its parameters as typed fields."""
        from django.core.exceptions import PermissionDenied
        from django.http import HttpResponseRedirect
        from django.urls import reverse

        from apps.whitelists.models import Whitelist
        from apps.whitelists.services import CommandRejected

        if not self.has_add_permission(request):
            raise PermissionDenied
        entries = list(Whitelist.objects.filter(enabled=True).order_by("system", "action"))
        chosen = next((e for e in entries if str(e.pk) == (request.POST.get("entry") or request.GET.get("entry"))),
                      None)
        form = None
        if chosen is not None:
            form = command_form(chosen)(request.POST if request.method == "POST" else None)
            if request.method == "POST" and form.is_valid():
                params = {k: v for k, v in form.cleaned_data.items() if v not in (None, "")}
                try:
                    command = services.create_command(command=chosen.action, target_system=chosen.system,
                                                      parameters=params)
                except CommandRejected as exc:
                    form.add_error(None, exc.reason)
                else:
                    self.message_user(request, f"Command #{command.pk} ({command.command} → {command.target_system}) "
                                               "queued.", messages.SUCCESS)
                    return HttpResponseRedirect(reverse("admin:commands_command_change", args=[command.pk]))
        context = {**self.admin_site.each_context(request), "title": "Add command", "opts": self.model._meta,
                   "entries": entries, "chosen": chosen, "form": form}
        return TemplateResponse(request, "admin/commands/command/add.html", context)

    def has_change_permission(self, request, obj=None) -> bool:
        # The detail page is read-only; status changes go through the audited actions.
        return False


class UpcomingFilter(admin.SimpleListFilter):
    """Upcoming (scheduled) by default: the list answers "what will fire next?"."""

    title = "when"
    parameter_name = "when"

    def lookups(self, request, model_admin):
        return [("upcoming", "upcoming"), ("past", "fired, skipped or cancelled"), ("all", "all")]

    def choices(self, changelist):
        for value, label in self.lookup_choices:
            yield {"selected": (self.value() or "upcoming") == value, "display": label,
                   "query_string": changelist.get_query_string({self.parameter_name: value})}

    def queryset(self, request, queryset):
        value = self.value() or "upcoming"
        if value == "upcoming":
            return queryset.filter(state=ActionFiring.State.SCHEDULED).order_by("fire_at", "id")
        if value == "past":
            return queryset.exclude(state=ActionFiring.State.SCHEDULED).order_by("-fire_at", "-id")
        return queryset


@admin.register(ActionFiring)
class ActionFiringAdmin(admin.ModelAdmin):
    """Timed actions: what fires when, and what each firing became (its command)."""

    list_display = ("local_fire_at", "state", "what", "entry", "command_link", "note")
    list_filter = (UpcomingFilter, "state", "target_system")
    search_fields = ("command_name", "target_system", "idempotency_key")
    list_per_page = 100
    readonly_fields = ("local_fire_at", "state", "what", "entry", "command_link", "occurrence_start", "fire_at",
                       "fire", "fire_offset_minutes", "parameters", "idempotency_key", "note", "created_at",
                       "updated_at")
    fields = readonly_fields

    def get_changelist_instance(self, request):
        # The entries of the whole page in one query (a deleted entry is simply missing).
        from apps.events.models import Event

        changelist = super().get_changelist_instance(request)
        rows = list(changelist.result_list)
        events = Event.objects.filter(pk__in={r.event_id for r in rows}).only("id", "title", "timezone").in_bulk()
        for row in rows:
            row._entry = events.get(row.event_id)
        return changelist

    def _entry_of(self, obj: ActionFiring):
        if not hasattr(obj, "_entry"):
            from apps.events.models import Event

            obj._entry = Event.objects.filter(pk=obj.event_id).only("id", "title", "timezone").first()
        return obj._entry

    @admin.display(description="fires at", ordering="fire_at")
    def local_fire_at(self, obj: ActionFiring) -> str:
        entry = self._entry_of(obj)
        return local_time(obj.fire_at, entry.timezone if entry is not None else None)

    @admin.display(description="action")
    def what(self, obj: ActionFiring) -> str:
        params = " ".join(f"{k}={v}" for k, v in (obj.parameters or {}).items())
        offset = f" {obj.fire_offset_minutes:+d} min" if obj.fire_offset_minutes else ""
        return f"{obj.command_name} {obj.target_system} {params}".strip() + f" ({obj.fire}{offset})"

    @admin.display(description="calendar entry")
    def entry(self, obj: ActionFiring) -> str:
        event = self._entry_of(obj)
        if event is None:
            return f"#{obj.event_id} (deleted)"
        return format_html('<a href="{}">{}</a>', reverse("admin:events_event_change", args=[event.pk]), event.title)

    @admin.display(description="command")
    def command_link(self, obj: ActionFiring) -> str:
        if obj.command_id is None:
            return "—"
        return format_html('<a href="{}">#{}</a>', reverse("admin:commands_command_change", args=[obj.command_id]),
                           obj.command_id)

    def has_add_permission(self, request) -> bool:
        return False  # firings come from calendar entries

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # history; editing or deleting the entry cancels what has not fired
