"""The butler service card: shown after the first visit, printable on one card-sized page.

A fresh invitation token travels to the card page in a short-lived signed cookie on the clerk's
browser, so the server keeps only its hash.
"""

import segno
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from butler.security import limits, roles
from butler.service import access
from butler.service.decorators import role_required
from butler.service.invitations import invitation_by_token, invitation_issue
from butler.service.models import ServicePeriod

PERIODS = ServicePeriod.objects.select_related("company", "butler")

COOKIE_SALT = "card-invitation"
COOKIE_MAX_AGE = 30 * 60  # long enough to print the card at the window


def _cookie_name(period) -> str:
    return f"card_invitation_{period.pk}"


def remember_invitation(response, period, token: str) -> None:
    if token:
        response.set_signed_cookie(
            _cookie_name(period),
            token,
            salt=COOKIE_SALT,
            max_age=COOKIE_MAX_AGE,
            httponly=True,
            samesite="Strict",
            secure=settings.SESSION_COOKIE_SECURE,
            path=reverse("service:card", args=[period.pk]),
        )


def _absolute(request, path: str) -> str:
    if settings.BUTLER_PUBLIC_URL:
        return settings.BUTLER_PUBLIC_URL + path
    return request.build_absolute_uri(path)


def _qr_svg(url: str) -> str:
    return mark_safe(  # noqa: S308 - segno writes the SVG itself from the URL's modules
        segno.make(url, error="m").svg_inline(scale=4, border=0, dark="#0b2545", omitsize=True)
    )


@role_required(roles.BUTLER, roles.MANAGER)
def card(request, pk: int):
    period = access.obtain(request.user, access.VIEW, PERIODS, pk)
    primary = period.company.contacts.filter(is_primary=True).first()
    token = request.get_signed_cookie(
        _cookie_name(period), default="", salt=COOKIE_SALT, max_age=COOKIE_MAX_AGE
    )
    invitation = invitation_by_token(token) if token else None
    if invitation is not None and invitation.is_usable() and invitation.contact.user_id is None:
        qr_url, qr_kind = _absolute(request, reverse("portal:invitation", args=[token])), "invitation"
    else:
        qr_url, qr_kind = _absolute(request, reverse("portal:home")), "portal"
    context = {
        "period": period,
        "butler": period.butler,
        "company": period.company,
        "primary": primary,
        "qr_svg": _qr_svg(qr_url),
        "qr_url": qr_url,
        "qr_kind": qr_kind,
        "invitation_days": settings.BUTLER_INVITATION_DAYS,
        "can_serve": period.is_active and access.can_serve(request.user, period.company),
        "needs_invitation": primary is not None and primary.user_id is None,
    }
    return render(request, "service/card.html", context)


@role_required(roles.BUTLER, roles.MANAGER)
@require_POST
def new_invitation(request, pk: int):
    """Put a new portal invitation in the card's QR code (the earlier unused ones stop working)."""
    period = access.obtain(request.user, access.CHANGE, PERIODS, pk)
    if not period.is_active:
        raise PermissionDenied
    response = redirect("service:card", pk=period.pk)
    primary = period.company.contacts.filter(is_primary=True).first()
    if primary is None:
        messages.error(request, _("The company has no primary contact to invite."))
        return response
    refusal = limits.invitation_attempt(request)
    if refusal is not None:
        # The card as it was, with the refusal on top; nothing is issued and the QR code is unchanged.
        messages.error(request, refusal.message)
        return limits.refused(card(request, pk=period.pk), refusal)
    try:
        _invitation, token = invitation_issue(actor=request.user, contact=primary)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        remember_invitation(response, period, token)
        messages.success(request, _("A new invitation is in the QR code; earlier ones no longer work."))
    return response
