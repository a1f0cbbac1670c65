"""The business scope classes of freight licences, and the oversize permits' scope, issuer and pass."""

from django.db import migrations

from companies.catalogue_seed import scope_catalogue


def forwards(apps, schema_editor):
    scope_catalogue(apps.get_model("companies", "LicenceType"), apps.get_model("companies", "BusinessScope"))


class Migration(migrations.Migration):
    dependencies = [("companies", "0013_scope_route_pass_commitment")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
