"""The business types the window registers, seeded by a data migration and editable in the admin."""

BUSINESS_TYPES = [
    ("road_freight", "道路普通货物运输", "Road freight (ordinary goods)"),
    ("dangerous_goods", "道路危险货物运输", "Road transport of dangerous goods"),
    ("passenger", "道路旅客运输", "Road passenger transport"),
    ("port", "港口经营", "Port operation"),
    ("waterway", "国内水路运输", "Domestic waterway transport"),
    ("repair", "机动车维修", "Motor vehicle repair"),
    ("driver_training", "机动车驾驶员培训", "Driver training"),
]


def seed_business_types(business_type_model) -> None:
    """Create the standard business types that are missing; leave edited ones alone."""
    for position, (code, name_zh, name_en) in enumerate(BUSINESS_TYPES, start=1):
        business_type_model.objects.get_or_create(
            code=code, defaults={"name_zh": name_zh, "name_en": name_en, "position": position}
        )
