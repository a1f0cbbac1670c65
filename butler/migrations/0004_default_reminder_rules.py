"""The window's default reminder rules; the administrator edits them (and adds rules per licence type)."""

from django.db import migrations

from butler.service.rule_defaults import seed_reminder_rules


def add_defaults(apps, schema_editor):
    seed_reminder_rules(apps.get_model("butler", "ReminderRule"))


class Migration(migrations.Migration):
    dependencies = [("butler", "0003_reminder_rules")]

    operations = [migrations.RunPython(add_defaults, migrations.RunPython.noop)]
