"""Drop the index Django made for Event.calendar: event_cal_start_idx (calendar_id, start_time) covers it.

Only the index is dropped (DROP INDEX, no table rebuild on SQLite); the model state says
db_index=False. Reversing re-creates it under Django's name.
"""

from django.db import migrations, models
import django.db.models.deletion


def _names(schema_editor, model):
    base = schema_editor._create_index_name(model._meta.db_table, ["calendar_id"])
    # PostgreSQL also had a varchar_pattern_ops twin for LIKE on the key.
    return [base, f"{base}_like"] if schema_editor.connection.vendor == "postgresql" else [base]


def drop(apps, schema_editor):
    model = apps.get_model("events", "Event")
    for name in _names(schema_editor, model):
        schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(name)}")


def recreate(apps, schema_editor):
    model = apps.get_model("events", "Event")
    table = schema_editor.quote_name(model._meta.db_table)
    names = _names(schema_editor, model)
    schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {schema_editor.quote_name(names[0])} ON {table} (calendar_id)")
    if len(names) > 1:
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {schema_editor.quote_name(names[1])} "
                              f"ON {table} (calendar_id varchar_pattern_ops)")


class Migration(migrations.Migration):
    dependencies = [("events", "0004_event_busy_cover_index")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="event",
                    name="calendar",
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE,
                                            related_name="events", to="events.calendar"),
                ),
            ],
            database_operations=[migrations.RunPython(drop, recreate)],
        ),
    ]
