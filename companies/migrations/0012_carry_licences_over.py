"""Licences carried over to the two clocks, and the catalogue corrected against the rules.

- A licence marked "materials missing" after it was accepted had its materials asked for during the review:
  it is now "supplementing", its clock stopped on the day the materials were asked for. One never accepted
  stays "incomplete", handed in on the day of its notice.
- Every licence that was filed (accepted, or with trips) becomes one matter of its own, as it was counted
  before; its trips belong to that matter.
- The catalogue entries as seeded get the corrections of ``companies.catalogue_seed``.
"""

from django.db import migrations
from django.db.models import F

from companies.catalogue_seed import correct_catalogue


def carry_over(apps, schema_editor):
    licence_model = apps.get_model("companies", "CompanyLicence")
    application_model = apps.get_model("companies", "Application")
    trip_model = apps.get_model("companies", "Trip")
    missing = licence_model.objects.filter(status="missing")
    for licence in missing.filter(accepted_on__isnull=False):
        licence.status = "supplementing"
        licence.paused_on = licence.missing_noted_on or licence.accepted_on
        licence.save(update_fields=["status", "paused_on"])
    missing.filter(accepted_on__isnull=True).exclude(missing_noted_on=None).update(
        submitted_on=F("missing_noted_on")
    )
    filed = licence_model.objects.filter(accepted_on__isnull=False) | licence_model.objects.filter(
        trips__isnull=False
    )
    for licence in filed.distinct().order_by("pk"):
        first_trip = trip_model.objects.filter(licence=licence).order_by("date").first()
        filed_on = licence.accepted_on or first_trip.date
        application = application_model.objects.create(
            company_id=licence.company_id,
            filed_on=filed_on,
            channel=licence.channel or "window",
            result_by="online" if licence.channel in ("online", "mobile") else "in_person",
        )
        licence.application = application
        licence.save(update_fields=["application"])
        trip_model.objects.filter(licence=licence).update(application=application)


def correct(apps, schema_editor):
    correct_catalogue(
        apps.get_model("companies", "LicenceType"),
        apps.get_model("companies", "LicenceMaterial"),
        apps.get_model("companies", "BusinessType"),
    )


class Migration(migrations.Migration):
    dependencies = [("companies", "0011_licence_clocks_outcomes_matters")]

    operations = [
        migrations.RunPython(carry_over, migrations.RunPython.noop),
        migrations.RunPython(correct, migrations.RunPython.noop),
    ]
