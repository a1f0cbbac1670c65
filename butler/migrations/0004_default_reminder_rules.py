"""The window's default reminder rules; the administrator edits them (and adds rules per licence type)."""

from django.db import migrations

DEFAULTS = [
    # kind, days, company, butler, manager, e-mail, SMS, statutory
    ("obtain_by", "30,7,1", True, True, False, True, False, True),
    ("renew_by", "60,30,7,1", True, True, False, True, True, True),
    ("obtain_missed", "1", False, True, True, True, False, True),
    ("expired", "1", True, True, True, True, False, True),
    ("no_contact", "30", False, True, False, False, False, False),
    ("period_ending", "14", False, True, False, True, False, False),
]


def add_defaults(apps, schema_editor):
    rule = apps.get_model("butler", "ReminderRule")
    for kind, days, company, butler, manager, email, sms, statutory in DEFAULTS:
        rule.objects.get_or_create(
            kind=kind,
            licence_type=None,
            defaults={
                "days": days,
                "to_company": company,
                "to_butler": butler,
                "to_manager": manager,
                "by_email": email,
                "by_sms": sms,
                "statutory": statutory,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("butler", "0003_reminder_rules")]

    operations = [migrations.RunPython(add_defaults, migrations.RunPython.noop)]
