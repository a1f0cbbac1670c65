from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("reminders", "0003_digest_scope_label")]

    operations = [
        migrations.AddIndex(
            model_name="reminder",
            index=models.Index(
                condition=models.Q(("status", "pending")), fields=["scheduled_at", "id"], name="reminder_pending_due"
            ),
        ),
    ]
