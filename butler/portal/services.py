"""The portal contact's own settings: how they want to be reminded."""

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from butler.service.planning import company_reminders_plan
from companies.models import ReminderChoice


@transaction.atomic
def reminder_choice_set(*, actor: AbstractBaseUser, contact, channel: str):
    """A company contact chooses how reminders that are not statutory reach them (statutory ones always
    come by the rule's channels). E-mail needs an address."""
    if channel not in ReminderChoice.values:
        raise ValidationError({"channel": _("Choose e-mail, SMS or the portal only.")})
    if channel == ReminderChoice.EMAIL and not (contact.user and contact.user.email):
        raise ValidationError(
            {"channel": _("We have no e-mail address for you; ask your butler to add one, or choose SMS.")}
        )
    contact.reminder_channel = channel
    contact._history_user = actor
    contact.save(update_fields=["reminder_channel"])
    company_reminders_plan(company=contact.company)
    return contact
