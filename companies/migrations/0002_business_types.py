from django.db import migrations

BUSINESS_TYPES = [
    ("road_freight", "道路普通货物运输", "Road freight (ordinary goods)"),
    ("dangerous_goods", "道路危险货物运输", "Road transport of dangerous goods"),
    ("passenger", "道路旅客运输", "Road passenger transport"),
    ("port", "港口经营", "Port operation"),
    ("waterway", "国内水路运输", "Domestic waterway transport"),
    ("repair", "机动车维修", "Motor vehicle repair"),
    ("driver_training", "机动车驾驶员培训", "Driver training"),
]


def seed(apps, schema_editor):
    BusinessType = apps.get_model("companies", "BusinessType")
    for position, (code, name_zh, name_en) in enumerate(BUSINESS_TYPES, start=1):
        BusinessType.objects.update_or_create(
            code=code, defaults={"name_zh": name_zh, "name_en": name_en, "position": position}
        )


class Migration(migrations.Migration):
    dependencies = [("companies", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
