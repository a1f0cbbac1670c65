"""The evaluation tags offered under the levels (好差评 评价标签), as the window starts with them; the
administrator edits them afterwards. Used by the migration that creates them and by tests whose
transactional cases flush the rows a migration wrote."""

GOOD = [
    ("办事效率高", "Quick"),
    ("一次性告知清楚", "Told everything at once"),
    ("材料精简", "Few materials"),
    ("不用跑窗口", "No trip to the window"),
    ("主动提醒到位", "Reminded in good time"),
    ("服务热情周到", "Helpful and courteous"),
]
BAD = [
    ("办理时间长", "Took too long"),
    ("材料要求繁琐", "Too many materials"),
    ("多次跑动", "Had to come more than once"),
    ("告知不清楚", "Not told clearly"),
    ("等候时间长", "Long wait at the window"),
    ("网上办理不顺畅", "The online service did not work"),
    ("服务态度差", "Unhelpful attitude"),
]


def seed_rating_tags(tag_model) -> None:
    """Create the tags that are missing (by Chinese name); leave edited ones alone."""
    for polarity, tags in (("good", GOOD), ("bad", BAD)):
        for position, (name_zh, name_en) in enumerate(tags, start=1):
            tag_model.objects.get_or_create(
                polarity=polarity, name_zh=name_zh, defaults={"name_en": name_en, "position": position}
            )
