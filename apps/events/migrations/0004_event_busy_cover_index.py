"""A covering index for availability's window read on SQLite (``apps.events.scheduling.availability.read_busy``).

The read takes every timed event of a window with its times, id, calendar and attendees: from
the table that is one row lookup per event, from this index none (about half the read's time).
``all_day`` is a column as well as the condition: SQLite counts an index as covering only when
it holds every column the query names.

SQLite only, and outside the model state: on PostgreSQL a B-tree entry is limited to ~2.7 KB, so
a long attendee list would make inserts fail. A later migration that rebuilds ``events_event`` on
SQLite drops the index; ``apps.events.unmanaged.ensure`` re-creates it after every migrate.
"""

from django.db import migrations

INDEX = "event_busy_cover_idx"
CREATE = (
    f'CREATE INDEX IF NOT EXISTS "{INDEX}" ON "events_event" '
    '("start_time", "end_time", "all_day", "status", "calendar_id", "attendees") WHERE NOT "all_day"'
)


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(f'DROP INDEX IF EXISTS "{INDEX}"')


class Migration(migrations.Migration):

    dependencies = [
        ("events", "0003_event_conflict_span_index"),
    ]

    operations = [migrations.RunPython(create, drop, elidable=False)]
