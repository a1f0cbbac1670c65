"""The obtain-by date is the window's own target (取证期限), not a legal deadline: its default rules, as
seeded, stop being statutory, so a company contact's choice of channel applies to them."""

from django.db import migrations


def not_statutory(apps, schema_editor):
    rule = apps.get_model("butler", "ReminderRule")
    rule.objects.filter(kind__in=["obtain_by", "obtain_missed"], licence_type=None, statutory=True).update(
        statutory=False
    )


class Migration(migrations.Migration):
    dependencies = [("butler", "0014_period_start_index"), ("companies", "0012_carry_licences_over")]

    operations = [migrations.RunPython(not_statutory, migrations.RunPython.noop)]
