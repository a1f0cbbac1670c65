"""Default rules for return visits: the butler is reminded, the manager told when one is overdue."""

from django.db import migrations

from butler.service.rule_defaults import seed_reminder_rules


def add_defaults(apps, schema_editor):
    seed_reminder_rules(apps.get_model("butler", "ReminderRule"))


class Migration(migrations.Migration):
    dependencies = [("butler", "0005_contact_records")]

    operations = [migrations.RunPython(add_defaults, migrations.RunPython.noop)]
