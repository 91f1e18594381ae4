from __future__ import annotations

from django.db import models, transaction
from django.db.models import F, Q
from django.utils import timezone as dj_timezone


def default_working_hours() -> dict:
    return {day: ["09:00", "17:00"] for day in ("mon", "tue", "wed", "thu", "fri")}


class Mode(models.TextChoices):
    FREE = "free", "free (overlaps allowed)"
    AUTO_PLAN = "auto_plan", "auto-plan (suggest free slots on collision)"


class Calendar(models.Model):
    """A calendar: local, the built-in mock source, or one kept in sync with a remote source
    (Google, a CalDAV collection, or a read-only iCalendar feed)."""

    class Source(models.TextChoices):
        MOCK = "mock"
        GOOGLE = "google"
        CALDAV = "caldav", "caldav (Nextcloud, Radicale, iCloud, Fastmail …)"
        ICS = "ics", "ics (read-only iCalendar feed)"
        LOCAL = "local"

    id = models.SlugField(max_length=64, primary_key=True)
    name = models.CharField(max_length=200)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.LOCAL)
    external_id = models.CharField(max_length=1024, blank=True, default="", help_text="Google calendar id")
    # CalDAV collection or iCalendar feed; the password is stored encrypted (apps.core.crypto).
    url = models.CharField(max_length=2048, blank=True, default="",
                          help_text="CalDAV calendar URL or iCalendar feed URL")
    username = models.CharField(max_length=255, blank=True, default="")
    password_encrypted = models.TextField(blank=True, default="", editable=False)
    enabled = models.BooleanField(default=True, help_text="Synced by the scheduler when true")
    timezone = models.CharField(max_length=64, default="UTC")
    default_mode = models.CharField(max_length=10, choices=Mode.choices, default=Mode.FREE)
    sync_past_days = models.PositiveIntegerField(default=30)
    sync_future_days = models.PositiveIntegerField(default=365)
    working_hours = models.JSONField(default=default_working_hours, blank=True)
    buffer_minutes = models.PositiveIntegerField(default=0)
    slot_minutes = models.PositiveIntegerField(default=15)
    autocomplete_checklists = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name or self.id

    @property
    def read_only(self) -> bool:
        """Entries of a subscribed feed change only at their source."""
        return self.source == self.Source.ICS

    def set_password(self, raw: str) -> None:
        from apps.core.crypto import encrypt

        self.password_encrypted = encrypt(raw) if raw else ""

    def get_password(self) -> str:
        from apps.core.crypto import decrypt

        return decrypt(self.password_encrypted) if self.password_encrypted else ""


class Event(models.Model):
    """A calendar entry. Times are UTC; all-day events also keep their dates (end exclusive)."""

    class Priority(models.TextChoices):
        LOW = "LOW"
        MEDIUM = "MEDIUM"
        HIGH = "HIGH"
        URGENT = "URGENT"

    class EventType(models.TextChoices):
        MEETING = "meeting"
        TASK = "task"
        APPOINTMENT = "appointment"
        REMINDER = "reminder"
        BLOCK = "block"

    class Status(models.TextChoices):
        SCHEDULED = "scheduled"
        IN_PROGRESS = "in_progress"
        COMPLETED = "completed"
        CANCELLED = "cancelled"
        RESCHEDULED = "rescheduled"

    class Transparency(models.TextChoices):
        """Google's ``transparency`` / iCalendar's ``TRANSP``: whether the event blocks time."""

        OPAQUE = "opaque", "busy"
        TRANSPARENT = "transparent", "free"

    # No index of its own: event_cal_start_idx starts with calendar_id and serves lookups,
    # cascades and foreign-key checks; one index fewer to update on every insert.
    calendar = models.ForeignKey(Calendar, on_delete=models.CASCADE, related_name="events", db_index=False)
    external_id = models.CharField(max_length=1024, blank=True, default="")
    etag = models.CharField(max_length=255, blank=True, default="")
    title = models.CharField(max_length=500)
    description = models.TextField(blank=True, default="")
    location = models.CharField(max_length=500, blank=True, default="")
    start_time = models.DateTimeField()
    end_time = models.DateTimeField()
    # Kept so window queries can bound the index scan on start_time (see selectors).
    duration_seconds = models.BigIntegerField(default=0, editable=False, db_index=True)
    all_day = models.BooleanField(default=False)
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True, help_text="exclusive")
    timezone = models.CharField(max_length=64, default="UTC")
    priority = models.CharField(max_length=10, choices=Priority.choices, default=Priority.MEDIUM)
    event_type = models.CharField(max_length=12, choices=EventType.choices, default=EventType.MEETING)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.SCHEDULED)
    # "Show as": free entries (and invitations the owner declined) never block time; the rule
    # lives in apps.events.blocking.
    transparency = models.CharField("show as", max_length=11, choices=Transparency.choices,
                                    default=Transparency.OPAQUE,
                                    help_text="Free entries are shown but never block time: no conflicts, "
                                              "free in availability and auto-plan")
    tags = models.JSONField(default=list, blank=True)
    attendees = models.JSONField(default=list, blank=True)
    mode = models.CharField(max_length=10, choices=Mode.choices, null=True, blank=True)
    all_done = models.BooleanField(default=False)
    plugin_error = models.TextField(blank=True, default="")
    # RFC 5545 lines (RRULE/EXDATE/RDATE), as Google's ``recurrence`` field. A series keeps its
    # first occurrence in start_time/end_time; apps.events.recurrence expands it.
    recurrence = models.JSONField(default=list, blank=True)
    is_recurring = models.BooleanField(default=False, editable=False)
    # End of the last occurrence (None: the rule never ends). With start_time it bounds the
    # windows a series can appear in, so a window reads only the series it can touch.
    series_end = models.DateTimeField(null=True, blank=True, editable=False)
    # How far the series' occurrences are stored in EventOccurrence: every occurrence whose
    # original start is before this (None: all of them, or not a series). Set by
    # apps.events.occurrences for rules running past the stored horizon.
    occurrences_until = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(default=dj_timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["start_time", "id"]
        indexes = [
            models.Index(fields=["start_time", "id"], name="event_start_idx"),
            models.Index(fields=["calendar", "start_time"], name="event_cal_start_idx"),
            # MAX(duration) of timed events only, in one index lookup (conflict scan bound). Partial,
            # not (all_day, duration): that one lured SQLite into scanning every timed event for
            # any query with "all_day = ?".
            models.Index(fields=["duration_seconds"], condition=Q(all_day=False), name="event_timed_duration_idx"),
            # The list reads timed and all-day events as two ordered streams, each bounded by its
            # own longest duration (see apps.events.selectors.EventQuery).
            models.Index(fields=["start_time", "id"], condition=Q(all_day=False), name="event_timed_start_idx"),
            models.Index(fields=["start_time", "id"], condition=Q(all_day=True), name="event_allday_start_idx"),
            # Same-calendar conflict probes (apps.events.scheduling.planning): one range of this index per
            # event, by calendar and start time.
            # transparency is part of the blocking rule (apps.events.blocking), so the probe
            # checks it from the index too.
            models.Index(fields=["calendar", "start_time", "end_time", "status", "transparency"],
                         condition=Q(all_day=False), name="event_cal_timed_span_idx"),
            # The series a window can touch: few rows, read whole (see apps.events.recurrence).
            models.Index(fields=["start_time", "series_end"], condition=Q(is_recurring=True),
                         name="event_series_span_idx"),
            # The series whose stored occurrences end before a window does (never-ending rules).
            models.Index(fields=["occurrences_until"], condition=Q(occurrences_until__isnull=False),
                         name="event_series_stored_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(end_time__gte=F("start_time")), name="event_end_after_start"),
            models.UniqueConstraint(
                fields=["calendar", "external_id"], condition=~Q(external_id=""), name="event_unique_external"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs):
        self.duration_seconds = int((self.end_time - self.start_time).total_seconds())
        self.is_recurring = bool(self.recurrence)
        if self.is_recurring:
            from apps.events.recurrence import series_end

            self.series_end = series_end(self)
        else:
            self.series_end = None
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and {"start_time", "end_time", "recurrence", "timezone", "all_day",
                                          "start_date", "end_date"} & set(update_fields):
            kwargs["update_fields"] = {*update_fields, "duration_seconds", "is_recurring", "series_end"}
        if self.pk is None:
            self._stored_recurring = False  # a new row: nothing stored for it yet
        if not self._occurrences_may_change(update_fields):
            super().save(*args, **kwargs)
        else:
            # The row and its stored occurrences change together or not at all.
            from apps.events.occurrences import store_occurrences

            with transaction.atomic(using=kwargs.get("using")):
                super().save(*args, **kwargs)
                store_occurrences([self.pk])
        self._stored_recurring = self.is_recurring
        # After a partial save some columns in hand may differ from the row: forget the basis.
        self._stored_basis = self._occurrence_basis() if update_fields is None else None

    # The columns stored occurrences are computed from (apps.events.occurrences).
    OCCURRENCE_FIELDS = frozenset({"calendar", "calendar_id", "start_time", "end_time", "all_day", "start_date",
                                   "end_date", "timezone", "recurrence", "status", "transparency"})

    # The same columns by attribute name, as read from the database (see from_db).
    _OCCURRENCE_ATTNAMES = ("calendar_id", "start_time", "end_time", "all_day", "start_date", "end_date", "timezone",
                            "recurrence", "status", "transparency")

    def _occurrence_basis(self) -> tuple:
        return tuple(tuple(v) if isinstance(v, list) else v
                     for v in (getattr(self, name) for name in self._OCCURRENCE_ATTNAMES))

    def _occurrences_may_change(self, update_fields) -> bool:
        if update_fields is not None and not self.OCCURRENCE_FIELDS & set(update_fields):
            return False
        stored = getattr(self, "_stored_recurring", None)
        if (update_fields is None and stored is self.is_recurring
                and getattr(self, "_stored_basis", None) == self._occurrence_basis()):
            return False  # a full save that changed none of those columns (a title edit)
        # A single event that never was a series has no stored occurrences to write or remove.
        return self.is_recurring or stored is not False

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance._stored_recurring = instance.__dict__.get("is_recurring")  # None when deferred: unknown
        if all(name in instance.__dict__ for name in cls._OCCURRENCE_ATTNAMES):
            instance._stored_basis = instance._occurrence_basis()
        return instance

    @property
    def effective_mode(self) -> str:
        return self.mode or self.calendar.default_mode


class EventException(models.Model):
    """One occurrence of a series that differs from its rule: moved, changed or cancelled.

    ``original_start`` is the occurrence's unmodified start (UTC), which names it
    (Google's ``originalStartTime``); ``overrides`` holds the fields it changes.
    """

    OVERRIDABLE = ("title", "description", "location", "priority", "event_type", "status", "tags", "attendees")

    series = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="exceptions")
    original_start = models.DateTimeField()
    cancelled = models.BooleanField(default=False)
    start_time = models.DateTimeField(null=True, blank=True, help_text="new start; empty: the original time")
    end_time = models.DateTimeField(null=True, blank=True)
    overrides = models.JSONField(default=dict, blank=True)
    external_id = models.CharField(max_length=1024, blank=True, default="", help_text="source's instance id")
    etag = models.CharField(max_length=255, blank=True, default="")
    created_at = models.DateTimeField(default=dj_timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["series", "original_start"]
        constraints = [
            models.UniqueConstraint(fields=["series", "original_start"], name="eventexception_unique_occurrence"),
        ]
        indexes = [
            # Moved occurrences a window must show although their rule puts them elsewhere.
            models.Index(fields=["start_time"], condition=Q(cancelled=False, start_time__isnull=False),
                         name="eventexception_moved_idx"),
        ]

    def save(self, *args, **kwargs):
        with transaction.atomic(using=kwargs.get("using")):
            super().save(*args, **kwargs)
            from apps.events.occurrences import store_occurrences

            store_occurrences([self.series_id])

    def __str__(self) -> str:
        what = "cancelled" if self.cancelled else "changed"
        return f"{self.series_id} @ {self.original_start:%Y-%m-%d %H:%M} ({what})"


class SubTask(models.Model):
    """One checklist item of an event, kept in order."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="sub_tasks")
    position = models.PositiveIntegerField(default=0)
    text = models.CharField(max_length=500)
    completed = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=dj_timezone.now)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.text


class EventLink(models.Model):
    """A typed link between two events (unique per triple, never to itself)."""

    source = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="outgoing_links")
    target = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="incoming_links")
    link_type = models.CharField(max_length=50, default="related")
    created_at = models.DateTimeField(default=dj_timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "target", "link_type"], name="eventlink_unique_triple"),
            models.CheckConstraint(condition=~Q(source=F("target")), name="eventlink_no_self_link"),
        ]

    def __str__(self) -> str:
        return f"{self.source_id} -[{self.link_type}]-> {self.target_id}"


class EntrySource(models.TextChoices):
    API = "api"
    CALENDAR = "calendar"
    TELEGRAM = "telegram"


class Note(models.Model):
    """What a ``NOTIZ:``/``NOTE:`` entry became: text with the entry's time and calendar."""

    content = models.TextField()
    title = models.CharField(max_length=500, blank=True, default="")
    calendar = models.ForeignKey(Calendar, on_delete=models.SET_NULL, null=True, blank=True, related_name="notes")
    event_start = models.DateTimeField(null=True, blank=True)
    event_end = models.DateTimeField(null=True, blank=True)
    details = models.JSONField(default=dict, blank=True)
    source = models.CharField(max_length=10, choices=EntrySource.choices, default=EntrySource.API)
    created_at = models.DateTimeField(default=dj_timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.content[:60]


class UrlPayload(models.Model):
    """What a ``URL: <url> [title]`` entry became."""

    url = models.URLField(max_length=2048)
    title = models.CharField(max_length=500, blank=True, default="")
    calendar = models.ForeignKey(Calendar, on_delete=models.SET_NULL, null=True, blank=True, related_name="urls")
    event_start = models.DateTimeField(null=True, blank=True)
    details = models.JSONField(default=dict, blank=True)
    source = models.CharField(max_length=10, choices=EntrySource.choices, default=EntrySource.API)
    created_at = models.DateTimeField(default=dj_timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "URL payload"

    def __str__(self) -> str:
        return self.url


class EventOccurrence(models.Model):
    """One stored occurrence of a series, as window reads, counts and conflict probes read it.

    Written only by :mod:`apps.events.occurrences` from the series' rule and exceptions (moved
    times and changed status applied, cancelled ones absent): the occurrences whose original
    start lies before the series' ``occurrences_until`` (all of them when that is empty), plus
    every moved one. A row is never edited by hand; a series' rows are replaced as a whole.
    """

    series = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="+", db_index=False)
    calendar_id = models.CharField(max_length=64)  # the series' calendar, for the calendar filter
    original_start = models.DateTimeField()
    start_time = models.DateTimeField()
    end_time = models.DateTimeField()
    duration_seconds = models.BigIntegerField(default=0)
    all_day = models.BooleanField(default=False)
    status = models.CharField(max_length=12, choices=Event.Status.choices, default=Event.Status.SCHEDULED)
    transparency = models.CharField(max_length=11, choices=Event.Transparency.choices,
                                    default=Event.Transparency.OPAQUE)

    class Meta:
        ordering = ["start_time", "series", "original_start"]
        constraints = [
            # Also the index a series' rows are replaced by.
            models.UniqueConstraint(fields=["series", "original_start"], name="eventoccurrence_unique"),
        ]
        indexes = [
            # The window stream, in list order (start, series, original start).
            models.Index(fields=["start_time", "series", "original_start"], name="occurrence_start_idx"),
            models.Index(fields=["calendar_id", "start_time"], name="occurrence_cal_start_idx"),
            # The longest stored occurrence bounds the window's index scan, as for events.
            models.Index(fields=["duration_seconds"], name="occurrence_duration_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.series_id} @ {self.original_start:%Y-%m-%d %H:%M}"
