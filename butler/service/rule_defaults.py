"""The window's default reminder rules, used by the migration that creates them (and by the tests, whose
transactional cases flush the rows a migration wrote). The administrator edits them afterwards."""

DEFAULTS = [
    # kind, days, company, butler, manager, e-mail, SMS, statutory
    # The obtain-by date is the window's own target (取证期限), not a legal deadline: the contact may choose.
    ("obtain_by", "30,7,1", True, True, False, True, False, False),
    ("renew_by", "60,30,7,1", True, True, False, True, True, True),
    ("obtain_missed", "1", False, True, True, True, False, False),
    ("expired", "1", True, True, True, True, False, True),
    # A lapsed licence noticed for cancellation (注销): the last chance to apply again, for everyone.
    ("cancel_by", "14,7,1", True, True, True, True, True, True),
    # The company's name, address or legal representative changed: its licences' change (变更) to apply for.
    ("change_by", "14,7,1", True, True, False, True, False, False),
    # A commitment-based approval (告知承诺制) is checked by the window: a task for the butler.
    ("verify_by", "7,1", False, True, False, True, False, False),
    # The fleet's periodic obligations: inspections, insurance, a driver's assessment (statutory: the company
    # cannot switch them off); overdue, the butler and the managers the day after.
    ("obligation_due", "30,7,1", True, True, False, True, True, True),
    ("obligation_late", "1", False, True, True, True, False, False),
    ("no_contact", "30", False, True, False, False, False, False),
    ("period_ending", "14", False, True, False, True, False, False),
    ("return_visit", "1,0", False, True, False, True, False, False),
    ("return_visit_late", "1", False, True, True, True, False, False),
    # Rating invitations: on the day and three days later, until rated; the contact's choice of channel.
    ("rate_matter", "0,3", True, False, False, False, False, False),
    ("rate_period", "0,3", True, False, False, False, False, False),
    # Audit cases: the step's handler ("butler" here) and the managers, the day before and on the day;
    # the managers the day after a step is overdue.
    ("audit_step", "1,0", False, True, True, True, False, False),
    ("audit_late", "1", False, False, True, True, False, False),
]

# The staff's urgent items also reach them in the work chat (never the company's contacts): what went overdue,
# and the tasks due the day before or on the day.
CHAT = {
    "obtain_missed",
    "expired",
    "obligation_late",
    "return_visit",
    "return_visit_late",
    "audit_step",
    "audit_late",
}


def seed_reminder_rules(rule_model) -> int:
    """Create the default rule of each kind that has none. Never changes a rule the administrator edited.
    (The earlier migrations' rules have no staff chat yet: it is set only where the model has it.)"""
    chat = any(model_field.name == "by_chat" for model_field in rule_model._meta.get_fields())
    created = 0
    for kind, days, company, butler, manager, email, sms, statutory in DEFAULTS:
        _rule, new = rule_model.objects.get_or_create(
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
                **({"by_chat": kind in CHAT} if chat else {}),
            },
        )
        created += new
    return created


def chat_for_urgent_staff_items(rule_model) -> int:
    """Switch the staff chat on for the default rules of the staff's urgent items (the migration that adds
    the chat: no rule had it before, so none is one an administrator chose)."""
    return rule_model.objects.filter(kind__in=CHAT, licence_type=None).update(by_chat=True)
