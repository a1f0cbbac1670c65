"""The lockout after repeated failed sign-ins, built on django-axes.

Failures are counted per pair of what was typed in the sign-in form's first field and the client's address
(``AXES_LOCKOUT_PARAMETERS``): five wrong passwords for ``butler1`` from one address lock that pair out for
the cool-off, while the same person elsewhere, or another account from the same address, can still sign
in. Staff type their username, company contacts their mobile number (:class:`companies.backends.
ContactMobileBackend`); a mobile number counts as one however it is written (``+86 138…`` or ``138…``).
"""

from datetime import timedelta

from axes.backends import AxesStandaloneBackend
from axes.helpers import get_client_username, get_cool_off
from axes.models import AccessAttempt
from django.db.models import Max
from django.shortcuts import render
from django.utils import timezone

from companies.phones import normalize_mobile


class LockoutBackend(AxesStandaloneBackend):
    """First of ``AUTHENTICATION_BACKENDS``: refuses a locked-out pair before any password is checked.

    Axes needs the request to know the address. A call without one comes from code (a management
    command, a test), not from the sign-in form, and is left to the backends that follow."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def attempted_username(request, credentials: dict | None) -> str | None:
    """``AXES_USERNAME_CALLABLE``: what was typed, a mobile number in one canonical form.

    The form's field first: after a successful sign-in axes is handed the account's username, but the
    failures to clear were counted against what the person typed (their mobile, for a contact)."""
    typed = getattr(request, "POST", {}).get("username") if request is not None else None
    if typed is None:
        typed = (credentials or {}).get("username")
    if typed is None:
        return None
    typed = str(typed).strip()
    mobile = normalize_mobile(typed)
    if len(mobile) == 11 and mobile.isdigit():
        return mobile
    return typed


def unlocks_at(*, username: str | None, ip_address: str | None, cool_off: timedelta):
    """When the pair may try again: the cool-off after its last failure (``None``: not locked)."""
    last = AccessAttempt.objects.filter(username=username, ip_address=ip_address).aggregate(
        last=Max("attempt_time")
    )["last"]
    return last + cool_off if last else None


def lockout_response(request, original_response=None, credentials=None):
    """``AXES_LOCKOUT_CALLABLE``: a page that says what happened and when to try again (429)."""
    cool_off = get_cool_off(request)
    username = get_client_username(request, credentials)
    until = unlocks_at(
        username=username, ip_address=getattr(request, "axes_ip_address", None), cool_off=cool_off
    )
    context = {
        "unlocks_at": until or timezone.now() + cool_off,
        "cool_off_minutes": int(cool_off.total_seconds() // 60),
    }
    return render(request, "registration/locked_out.html", context, status=429)
