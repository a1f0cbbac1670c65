from django.db import migrations

from companies.business_types import seed_business_types


def seed(apps, schema_editor):
    seed_business_types(apps.get_model("companies", "BusinessType"))


class Migration(migrations.Migration):
    dependencies = [("companies", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
