from django.db import migrations


def install_guards(apps, schema_editor):
    from apps.audit import guards

    guards.ensure(schema_editor.connection)


def remove_guards(apps, schema_editor):
    from apps.audit import guards

    guards.drop(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]
    operations = [migrations.RunPython(install_guards, remove_guards)]
