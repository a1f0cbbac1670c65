"""Abuse limits: how often one person, and one client address, may do what costs others something.

Four things are limited: a company contact sending messages to the window, a butler making new portal
invitations, anyone trying to activate a portal invitation, and anyone asking for a password reset e-mail.
Each is counted per person (the user, the invitation or the e-mail address typed) and per client address,
with the rates of ``settings.BUTLER_LIMITS`` in django-ratelimit's fixed windows, in the cache (Redis in
production, so every web process shares the counts).

A view calls one ``*_attempt`` function just before it would change anything. The function counts the
attempt and returns ``None``, or a ``Refusal`` — the message to show and the seconds until the window
ends — without counting: a refused attempt never lengthens the wait. ``refused`` turns the page into a 429.
"""

import logging
import math
from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_ratelimit.core import get_usage
from ipware.ip import get_client_ip

log = logging.getLogger(__name__)

MESSAGE = "message"
INVITATION = "invitation"
ACTIVATION = "activation"
RESET = "password_reset"
ADDRESS = "address"


@dataclass(frozen=True)
class Refusal:
    """An attempt over a limit: what the user is told, and how long until they may try again."""

    message: str
    retry_after: int  # seconds


def client_address(request: HttpRequest) -> str:
    """The client's address as django-axes reads it: django-ipware with the ``AXES_IPWARE_*`` settings.

    Behind a reverse proxy the deployment sets ``AXES_IPWARE_PROXY_COUNT`` and the headers to trust
    (``AXES_IPWARE_META_PRECEDENCE_ORDER``); without them only ``REMOTE_ADDR`` counts, so a client cannot
    choose its own address by sending a header. When no address can be read, the proxy's own is used.
    """
    address, _routable = get_client_ip(
        request,
        proxy_order=_axes_setting("PROXY_ORDER", "left-most"),
        proxy_count=_axes_setting("PROXY_COUNT", None),
        proxy_trusted_ips=_axes_setting("PROXY_TRUSTED_IPS", None),
        request_header_order=_axes_setting(
            "META_PRECEDENCE_ORDER", getattr(settings, "IPWARE_META_PRECEDENCE_ORDER", ("REMOTE_ADDR",))
        ),
    )
    return address or request.META.get("REMOTE_ADDR", "") or "unknown"


def _axes_setting(name: str, default):
    """``AXES_IPWARE_<name>``, else its older spelling ``AXES_<name>``, else axes's default."""
    return getattr(settings, f"AXES_IPWARE_{name}", getattr(settings, f"AXES_{name}", default))


# --- the four limits ------------------------------------------------------------------------------------


def message_attempt(request: HttpRequest) -> Refusal | None:
    """A company contact sends a new message or a reply: per user and per address."""
    refusal = _attempt(request, MESSAGE, user=str(request.user.pk))
    if refusal is None:
        return None
    return Refusal(
        _(
            "You have sent many messages in a short time. Your message is kept below: "
            "send it again in %(wait)s."
        )
        % {"wait": _wait(refusal.retry_after)},
        refusal.retry_after,
    )


def invitation_attempt(request: HttpRequest) -> Refusal | None:
    """A butler (or the manager) makes a new portal invitation: per user and per address."""
    refusal = _attempt(request, INVITATION, user=str(request.user.pk))
    if refusal is None:
        return None
    return Refusal(
        _(
            "Many invitations have been made in a short time. No new invitation was made and the QR code is "
            "unchanged; try again in %(wait)s."
        )
        % {"wait": _wait(refusal.retry_after)},
        refusal.retry_after,
    )


def activation_attempt(request: HttpRequest, *, token: str) -> Refusal | None:
    """Someone tries to activate a portal invitation: per invitation and per address."""
    refusal = _attempt(request, ACTIVATION, invitation=token)
    if refusal is None:
        return None
    return Refusal(
        _("Too many attempts to activate this invitation. Nothing was changed; try again in %(wait)s.")
        % {"wait": _wait(refusal.retry_after)},
        refusal.retry_after,
    )


def password_reset_attempt(request: HttpRequest, *, email: str) -> Refusal | None:
    """Someone asks for a password reset e-mail: per e-mail address typed and per client address."""
    refusal = _attempt(request, RESET, email=email.strip().lower())
    if refusal is None:
        return None
    return Refusal(
        _("Too many password reset requests. No e-mail was sent; try again in %(wait)s.")
        % {"wait": _wait(refusal.retry_after)},
        refusal.retry_after,
    )


def refused(response: HttpResponse, refusal: Refusal | None) -> HttpResponse:
    """The page re-rendered for a refused attempt answers 429 Too Many Requests, with Retry-After."""
    if refusal is not None:
        response.status_code = 429
        response["Retry-After"] = str(refusal.retry_after)
    return response


# --- counting -------------------------------------------------------------------------------------------


def _attempt(request: HttpRequest, action: str, **subjects: str) -> Refusal | None:
    """Count one attempt at ``action`` for each subject and the client address, unless one is at its limit."""
    rates = settings.BUTLER_LIMITS[action]
    counters = [(per, value, rates[per]) for per, value in subjects.items()]
    counters.append((ADDRESS, client_address(request), rates[ADDRESS]))
    try:
        # Refuse without counting while any counter is full, so that waiting out the window always helps.
        for per, value, rate in counters:
            usage = _usage(request, action, per, value, rate, increment=False)
            if usage is not None and usage["count"] >= usage["limit"]:
                return Refusal("", max(1, usage["time_left"]))
        # Count; a simultaneous attempt may have taken the last place since the look above.
        for per, value, rate in counters:
            usage = _usage(request, action, per, value, rate, increment=True)
            if usage is not None and usage["should_limit"]:
                return Refusal("", max(1, usage["time_left"]))
    except Exception:  # the cache is out of reach: serve people rather than refuse everyone
        log.exception("Abuse limit %s not counted: the cache is out of reach", action)
    return None


def _usage(request, action: str, per: str, value: str, rate: str, *, increment: bool) -> dict | None:
    return get_usage(
        request,
        group=f"butler.{action}.{per}",
        key=lambda _group, _request: value,
        rate=rate,
        increment=increment,
    )


def _wait(seconds: int) -> str:
    """A wait in words: minutes up to two hours, hours beyond."""
    minutes = max(1, math.ceil(seconds / 60))
    if minutes <= 120:
        return ngettext("%(count)d minute", "%(count)d minutes", minutes) % {"count": minutes}
    hours = math.ceil(minutes / 60)
    return ngettext("%(count)d hour", "%(count)d hours", hours) % {"count": hours}
