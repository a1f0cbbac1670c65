from django.db import migrations

from companies.catalogue_seed import seed_catalogue


def seed(apps, schema_editor):
    seed_catalogue(
        apps.get_model("companies", "LicenceType"),
        apps.get_model("companies", "LicenceMaterial"),
        apps.get_model("companies", "BusinessType"),
    )


class Migration(migrations.Migration):
    dependencies = [("companies", "0004_licences")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
