"""Portal invitations: a butler invites a company's contact from the service card; the contact
accepts with their mobile and a password, and the portal opens."""

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from butler.security import roles
from butler.service.models import PortalInvitation
from butler.service.planning import company_reminders_plan
from companies.models import Contact
from companies.phones import normalize_mobile
from reminders.notices import notices_share
from reminders.people import language_set


@transaction.atomic
def token_hash(raw_token: str) -> str:
    return hashlib.sha256((raw_token or "").encode()).hexdigest()


def invitation_by_token(raw_token: str, *, lock: bool = False) -> PortalInvitation | None:
    """The invitation whose link carries this token (only its hash is kept)."""
    invitations = PortalInvitation.objects.select_related("contact__company")
    if lock:
        invitations = invitations.select_for_update(of=("self",))
    return invitations.filter(token_hash=token_hash(raw_token)).first()


def invitation_issue(
    *, actor: AbstractBaseUser | None, contact: Contact, now=None
) -> tuple[PortalInvitation, str]:
    """Create a single-use invitation for the contact and revoke the earlier unused ones.

    Returns the invitation and its raw token; only the token's hash is stored.
    """
    if contact.user_id:
        raise ValidationError(_("%(name)s already has a portal account.") % {"name": contact.name})
    now = now or timezone.now()
    PortalInvitation.objects.filter(contact=contact, used_at__isnull=True, revoked_at__isnull=True).update(
        revoked_at=now
    )
    raw_token = secrets.token_urlsafe(32)
    invitation = PortalInvitation(
        contact=contact,
        token_hash=token_hash(raw_token),
        created_at=now,
        expires_at=now + timedelta(days=settings.BUTLER_INVITATION_DAYS),
        created_by=actor,
    )
    invitation._history_user = actor
    invitation.save()
    return invitation, raw_token


@transaction.atomic
def invitation_accept(*, raw_token: str, mobile: str, password: str, now=None, language: str = ""):
    """The contact proves they hold the mobile on record, sets a password and gets a portal account, in the
    language they accepted in (``language``); what the window told the company before reaches them too."""
    now = now or timezone.now()
    invitation = invitation_by_token(raw_token, lock=True)
    if invitation is None or not invitation.is_usable(now):
        raise ValidationError(
            _("This invitation has expired or has been used. Ask your butler for a new one.")
        )
    contact = invitation.contact
    if contact.user_id:
        raise ValidationError(_("%(name)s already has a portal account.") % {"name": contact.name})
    if normalize_mobile(mobile) != contact.mobile:
        raise ValidationError(
            {"mobile": _("This is not the mobile number the window has on record for you.")}
        )
    User = get_user_model()
    user = User(first_name=contact.name, email=contact.email)
    validate_password(password, user=user)
    user.set_password(password)
    _save_with_free_username(user, base=contact.mobile)
    roles.add_role(user, roles.COMPANY)
    contact.user = user
    contact._history_user = user
    contact.save(update_fields=["user"])
    if language in dict(settings.LANGUAGES):
        language_set(user=user, language=language)
    colleagues = [other.user for other in contact.company.contacts.exclude(pk=contact.pk) if other.user_id]
    notices_share(recipient=user, audience=f"company:{contact.company_id}", given_to=colleagues)
    company_reminders_plan(company=contact.company)  # the new portal user is reminded from now on
    invitation.used_at = now
    invitation._history_user = user
    invitation.save(update_fields=["used_at"])
    return user


def _save_with_free_username(user, *, base: str) -> None:
    """Save a new user under ``base`` or ``base-2``, ``base-3`` …, whichever is free when it is written."""
    User = get_user_model()
    for n in range(1, 50):
        candidate = base if n == 1 else f"{base}-{n}"
        if User.objects.filter(username=candidate).exists():
            continue
        user.username = candidate
        try:
            with transaction.atomic():
                user.save()
        except IntegrityError:
            continue  # taken a moment ago by someone else
        return
    raise ValidationError(_("No free username is left for this mobile number; ask the window for help."))
