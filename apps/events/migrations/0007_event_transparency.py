"""Events get ``transparency`` ("show as busy / free"); the indexes that answer conflicts and
availability take the column so the blocking rule (apps.events.blocking) is checked from them.

The SQLite-only covering index of availability (see 0004 and apps.events.unmanaged) is rebuilt
with the column: without it every window row would be looked up in the table again.
"""

from django.db import migrations, models

BUSY_INDEX = "event_busy_cover_idx"
_BUSY = (f'CREATE INDEX IF NOT EXISTS "{BUSY_INDEX}" ON "events_event" '
         '("start_time", "end_time", "all_day", "status", {}"calendar_id", "attendees") WHERE NOT "all_day"')


def _rebuild(columns: str):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "sqlite":
            schema_editor.execute(f'DROP INDEX IF EXISTS "{BUSY_INDEX}"')
            schema_editor.execute(_BUSY.format(columns))
    return run


class Migration(migrations.Migration):

    dependencies = [
        ("events", "0006_calendar_remote_sources"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="event",
            name="event_cal_timed_span_idx",
        ),
        migrations.AddField(
            model_name="event",
            name="transparency",
            field=models.CharField(choices=[("opaque", "busy"), ("transparent", "free")], default="opaque",
                                   max_length=11, verbose_name="show as",
                                   help_text="Free entries are shown but never block time: no conflicts, "
                                             "free in availability and auto-plan"),
        ),
        migrations.AddIndex(
            model_name="event",
            index=models.Index(condition=models.Q(("all_day", False)),
                               fields=["calendar", "start_time", "end_time", "status", "transparency"],
                               name="event_cal_timed_span_idx"),
        ),
        migrations.RunPython(_rebuild('"transparency", '), _rebuild(""), elidable=False),
    ]
