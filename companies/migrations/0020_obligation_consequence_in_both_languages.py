"""What a lapse leads to, in Chinese and in English: the seeded text kept as the Chinese, its English added."""

from django.db import migrations, models

from companies.catalogue_seed import translate_consequences


def forwards(apps, schema_editor):
    translate_consequences(apps.get_model("companies", "ObligationType"))


class Migration(migrations.Migration):
    dependencies = [("companies", "0019_cancel_after_notice")]

    operations = [
        migrations.RenameField("obligationtype", "consequence", "consequence_zh"),
        migrations.RenameField("historicalobligationtype", "consequence", "consequence_zh"),
        migrations.AlterField(
            model_name="obligationtype",
            name="consequence_zh",
            field=models.CharField(blank=True, max_length=200, verbose_name="what a lapse leads to (Chinese)"),
        ),
        migrations.AlterField(
            model_name="historicalobligationtype",
            name="consequence_zh",
            field=models.CharField(blank=True, max_length=200, verbose_name="what a lapse leads to (Chinese)"),
        ),
        migrations.AddField(
            model_name="obligationtype",
            name="consequence_en",
            field=models.CharField(blank=True, max_length=240, verbose_name="what a lapse leads to (English)"),
        ),
        migrations.AddField(
            model_name="historicalobligationtype",
            name="consequence_en",
            field=models.CharField(blank=True, max_length=240, verbose_name="what a lapse leads to (English)"),
        ),
        migrations.RunPython(forwards, migrations.RunPython.noop),
    ]
