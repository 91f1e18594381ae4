"""Admin pages to connect CalDAV accounts and subscribe to iCalendar feeds, without writing code.

- "Add" is a small wizard: choose CalDAV account or feed, enter the URL, user name and (app)
  password, press "Test connection". A CalDAV account then lists its calendars to pick; a feed
  shows how many entries it holds. "Add" creates the calendars. Every problem is one sentence
  saying what is wrong (wrong password, not a CalDAV server, address refused …).
- Each connection's page has "Test connection" and keeps the password write-only: the field is
  empty, and leaving it empty keeps the stored one.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.text import slugify

from apps.audit.admin import AuditTrailMixin
from apps.core.crypto import decrypt, encrypt
from apps.events.models import Calendar
from apps.events.timeparse import TimeError, zone
from apps.sync import services
from apps.sync.models import CalendarConnection, SyncState
from apps.sync.sources import SourceError

KINDS = [(Calendar.Source.CALDAV, "CalDAV account (Nextcloud, Radicale, Baïkal, iCloud, Fastmail …)"),
         (Calendar.Source.ICS, "iCalendar feed (.ics link: holidays, shift plans, shared calendars)")]
SESSION_KEY = "chronos_sync_connect"


def _check_zone(value: str) -> str:
    try:
        zone(value)
    except TimeError as exc:
        raise forms.ValidationError(str(exc)) from None
    return value


def _check_url(value: str) -> str:
    value = value.strip()
    if not value.lower().startswith(("http://", "https://", "webcal://")):
        raise forms.ValidationError("Enter the full address, starting with https:// (or webcal:// for a feed).")
    return value


class ConnectForm(forms.Form):
    kind = forms.ChoiceField(choices=KINDS, widget=forms.RadioSelect, initial=Calendar.Source.CALDAV,
                             label="What do you want to connect?")
    url = forms.CharField(max_length=2048, label="Address (URL)", widget=forms.URLInput(attrs={"size": 70}),
                          help_text="CalDAV: the server or calendar address (see the examples below). "
                                    "Feed: the .ics link.")
    username = forms.CharField(max_length=255, required=False, label="User name",
                               help_text="Empty for a public feed.")
    password = forms.CharField(max_length=1024, required=False, label="Password or app password",
                               widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
                               help_text="Stored encrypted; iCloud and Fastmail need an app-specific password. "
                                         "Leave empty to keep the one entered for the last test.")
    timezone = forms.CharField(max_length=64, initial="UTC", label="Time zone for entries without one")
    name = forms.CharField(max_length=200, required=False, label="Name in Chronos (feeds)",
                           help_text="CalDAV calendars keep their own names.")

    def clean_url(self) -> str:
        return _check_url(self.cleaned_data["url"])

    def clean_timezone(self) -> str:
        return _check_zone(self.cleaned_data["timezone"])


class ConnectionForm(forms.ModelForm):
    password = forms.CharField(max_length=1024, required=False, label="Password or app password",
                               widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
                               help_text="Stored encrypted and never shown. Leave empty to keep the stored one.")
    clear_password = forms.BooleanField(required=False, label="Remove the stored password")

    class Meta:
        model = CalendarConnection
        fields = ["name", "source", "url", "username", "enabled", "timezone", "sync_past_days", "sync_future_days",
                  "default_mode"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["source"].choices = KINDS
        self.fields["source"].label = "Kind"
        self.fields["url"].label = "Address (URL)"
        self.fields["username"].label = "User name"
        self.fields["username"].help_text = "Empty for a public feed."

    def clean_url(self) -> str:
        return _check_url(self.cleaned_data["url"])

    def clean_timezone(self) -> str:
        return _check_zone(self.cleaned_data["timezone"])

    def save(self, commit: bool = True):
        instance = super().save(commit=False)
        if self.cleaned_data.get("clear_password"):
            instance.set_password("")
        elif self.cleaned_data.get("password"):
            instance.set_password(self.cleaned_data["password"])
        if commit:
            instance.save()
        return instance


def test_connection(*, kind: str, url: str, username: str, password: str, timezone: str = "UTC"):
    """(ok, message, calendars): one sentence for the page, and a CalDAV account's calendars."""
    from apps.sync.sources.caldav import CalDAVSource, discover
    from apps.sync.sources.ics import IcsFeedSource

    try:
        if kind == Calendar.Source.ICS:
            source = IcsFeedSource(url=url, username=username, password=password, calendar_tz=timezone)
            return True, f"Feed reached: {source.check().removeprefix('connected; the feed holds ')}.", []
        found = discover(url, username, password)
        if not found:
            return False, "Connected, but this account offers no calendars.", []
        if len(found) == 1 and found[0].url.rstrip("/") == url.rstrip("/"):
            CalDAVSource(url=url, username=username, password=password).check()
        names = ", ".join(c.name for c in found)
        return True, f"Connected. {len(found)} calendar(s) found: {names}.", found
    except SourceError as exc:
        return False, _plain(str(exc)), []


def _plain(detail: str) -> str:
    """Library wording turned into what a person can act on."""
    if "unreachable" in detail:
        return ("The server cannot be reached (connection refused or timed out). Check the address, "
                f"including the port. Details: {detail}")
    if "404" in detail:
        return f"Nothing was found at this address (404). Check the URL: docs/sync.md lists each provider's. ({detail})"
    if "not a valid iCalendar" in detail or "not an iCalendar" in detail:
        return f"This address does not serve an iCalendar feed. ({detail})"
    return detail


def _unique_id(name: str) -> str:
    base = slugify(name.replace("/", " "))[:56] or "calendar"
    candidate, n = base, 1
    while Calendar.objects.filter(pk=candidate).exists():
        n += 1
        candidate = f"{base}-{n}"
    return candidate


class KindFilter(admin.SimpleListFilter):
    title = "kind"
    parameter_name = "kind"

    def lookups(self, request, model_admin):
        return [(Calendar.Source.CALDAV, "CalDAV"), (Calendar.Source.ICS, "iCalendar feed")]

    def queryset(self, request, queryset):
        return queryset.filter(source=self.value()) if self.value() else queryset


@admin.register(CalendarConnection)
class CalendarConnectionAdmin(AuditTrailMixin, admin.ModelAdmin):
    """CalDAV accounts and feeds: add with a tested connection, test again, see the last sync."""

    form = ConnectionForm
    list_display = ("name", "kind", "url", "username", "enabled", "last_success", "last_error")
    list_filter = (KindFilter, "enabled")
    search_fields = ("id", "name", "url")
    change_form_template = "admin/sync/calendarconnection/change_form.html"
    fieldsets = (
        (None, {"fields": ("name", "source", "enabled")}),
        ("Connection", {"fields": ("url", "username", "password", "clear_password")}),
        ("Calendar", {"fields": ("timezone", "sync_past_days", "sync_future_days", "default_mode")}),
    )

    def get_queryset(self, request):
        return super().get_queryset(request).filter(source__in=[k for k, _ in KINDS]).select_related("sync_state")

    @admin.display(description="kind", ordering="source")
    def kind(self, obj: CalendarConnection) -> str:
        return "CalDAV" if obj.source == Calendar.Source.CALDAV else "iCalendar feed"

    @staticmethod
    def _state(obj: CalendarConnection) -> SyncState | None:
        try:
            return obj.sync_state
        except SyncState.DoesNotExist:
            return None

    @admin.display(description="last successful sync")
    def last_success(self, obj: CalendarConnection):
        state = self._state(obj)
        return state.last_success_at if state else None

    @admin.display(description="last error")
    def last_error(self, obj: CalendarConnection) -> str:
        state = self._state(obj)
        return state.current_error[:160] if state else ""

    def get_urls(self):
        info = self.model._meta.app_label, self.model._meta.model_name
        return [
            path("connect/", self.admin_site.admin_view(self.connect_view), name=f"{info[0]}_{info[1]}_connect"),
            path("<path:object_id>/test/", self.admin_site.admin_view(self.test_view), name=f"{info[0]}_{info[1]}_test"),
            *super().get_urls(),
        ]

    def add_view(self, request, form_url="", extra_context=None):
        # "Add" is the tested-connection wizard, not a bare form: a connection is saved only
        # after it worked once.
        return self.connect_view(request)

    def test_view(self, request, object_id):
        obj = get_object_or_404(CalendarConnection, pk=object_id)
        back = reverse("admin:sync_calendarconnection_change", args=[obj.pk])
        if request.method != "POST" or not self.has_change_permission(request, obj):
            return HttpResponseRedirect(back)
        try:
            password = obj.get_password()
        except Exception:  # noqa: BLE001 - SecretUnreadable after a SECRET_KEY change
            messages.error(request, "The stored password cannot be read (the server's secret key changed). "
                                    "Enter the password again and save.")
            return HttpResponseRedirect(back)
        ok, message, found = test_connection(kind=obj.source, url=obj.url, username=obj.username,
                                             password=password, timezone=obj.timezone)
        if ok and obj.source == Calendar.Source.CALDAV:
            from apps.sync.sources.caldav import CalDAVSource

            try:
                message = "Connected: " + CalDAVSource(url=obj.url, username=obj.username, password=password,
                                                       calendar_tz=obj.timezone).check().removeprefix("connected; ")
            except SourceError as exc:
                ok, message = False, _plain(str(exc))
        (messages.success if ok else messages.error)(request, message)
        return HttpResponseRedirect(back)

    def connect_view(self, request):
        if not self.has_add_permission(request):
            return HttpResponseRedirect(reverse("admin:index"))
        found: list = []
        outcome: tuple[bool, str] | None = None
        form = ConnectForm(request.POST or None)
        remembered = request.session.get(SESSION_KEY) or {}
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            password = data["password"]
            if not password and remembered.get("url") == data["url"] and remembered.get("username") == data["username"]:
                try:
                    password = decrypt(remembered.get("password", ""))
                except Exception:  # noqa: BLE001 - an old session's secret: ask again
                    password = ""
            ok, message, found = test_connection(kind=data["kind"], url=data["url"], username=data["username"],
                                                 password=password, timezone=data["timezone"])
            outcome = (ok, message)
            if ok:
                # Kept encrypted in the session so the second step needs no second typing.
                request.session[SESSION_KEY] = {"url": data["url"], "username": data["username"],
                                                "password": encrypt(password) if password else ""}
            if ok and "add" in request.POST:
                created = self._create(request, data, password, found)
                if created:
                    request.session.pop(SESSION_KEY, None)
                    messages.success(request, f"Added {len(created)} calendar(s): {', '.join(created)}. The first "
                                              "sync runs now.")
                    for calendar_id in created:
                        try:
                            services.queue_sync(calendar_id=calendar_id, trigger="admin")
                        except services.NotSyncable:
                            pass
                    return HttpResponseRedirect(reverse("admin:sync_calendarconnection_changelist"))
        picked = set(request.POST.getlist("calendars"))
        context = {
            **self.admin_site.each_context(request),
            "title": "Connect a CalDAV account or subscribe to a feed",
            "form": form, "found": found, "picked": picked, "outcome": outcome,
            "opts": self.model._meta, "media": self.media + form.media,
        }
        return TemplateResponse(request, "admin/sync/calendarconnection/connect.html", context)

    def _create(self, request, data, password: str, found) -> list[str]:
        common = {"username": data["username"], "timezone": data["timezone"], "enabled": True}
        created: list[str] = []
        if data["kind"] == Calendar.Source.ICS:
            name = data["name"] or data["url"].rstrip("/").rsplit("/", 1)[-1].removesuffix(".ics") or "Feed"
            targets = [(name, data["url"])]
        else:
            urls = set(request.POST.getlist("calendars"))
            targets = [(c.name, c.url) for c in found if c.url in urls]
            if not targets:
                messages.error(request, "Tick at least one calendar to add.")
                return []
        existing = set(Calendar.objects.filter(url__in=[u for _, u in targets]).values_list("url", flat=True))
        for name, url in targets:
            if url in existing:
                messages.warning(request, f"{name}: this address is connected already; skipped.")
                continue
            calendar = CalendarConnection(id=_unique_id(name), name=name[:200], source=data["kind"], url=url, **common)
            calendar.set_password(password)
            calendar.save()
            created.append(calendar.id)
        return created
