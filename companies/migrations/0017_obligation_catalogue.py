"""The periodic obligations of vehicles and people: inspections, insurance policies, a driver's yearly
assessment and education, with their cadences by vehicle type and age (unverified ones marked so)."""

from django.db import migrations

from companies.catalogue_seed import seed_obligations


def forwards(apps, schema_editor):
    seed_obligations(
        apps.get_model("companies", "ObligationType"),
        apps.get_model("companies", "Cadence"),
        apps.get_model("companies", "BusinessType"),
    )


class Migration(migrations.Migration):
    dependencies = [("companies", "0016_fleet_obligations")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
