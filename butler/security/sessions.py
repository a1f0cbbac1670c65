"""How long a session lasts, and ending every session of a user at once.

Staff (butlers, managers, administrators, anyone who is not only a company contact) work on shared window
computers: their session ends after ``BUTLER_STAFF_SESSION_IDLE_MINUTES`` without a request (30) and
``BUTLER_STAFF_SESSION_MAX_HOURS`` after signing in (12), whatever they do. Company contacts use the portal
now and then from their own phone, where typing a password is a chore: idle
``BUTLER_PORTAL_SESSION_IDLE_DAYS`` (7) and at most ``BUTLER_PORTAL_SESSION_MAX_DAYS`` (30).

The limits are written into the session when the user signs in (Django's ``login()`` has just given it a new
key), so checking them needs no query. Someone whose session ran out is sent to the sign-in page, told why,
and brought back to the page they asked for.
"""

import logging
import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY, logout
from django.contrib.auth.views import redirect_to_login
from django.db import DatabaseError, InterfaceError
from django.http import HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from butler.security.models import UserSession
from butler.security.roles import COMPANY, roles_of

log = logging.getLogger("butler.security")

STARTED = "butler_session_started"
SEEN = "butler_session_seen"
LIMITS = "butler_session_limits"
# The idle clock is written back at most this often (seconds): not a database write on every request.
SEEN_PRECISION = 60


def session_limits(user) -> tuple[int, int]:
    """(idle, absolute) in seconds for this user's sessions."""
    portal_only = roles_of(user) == {COMPANY} and not (user.is_staff or user.is_superuser)
    if portal_only:
        return (
            settings.BUTLER_PORTAL_SESSION_IDLE_DAYS * 86400,
            settings.BUTLER_PORTAL_SESSION_MAX_DAYS * 86400,
        )
    return settings.BUTLER_STAFF_SESSION_IDLE_MINUTES * 60, settings.BUTLER_STAFF_SESSION_MAX_HOURS * 3600


def session_start(*, request, user) -> None:
    """Called at every sign-in: the clocks start now."""
    idle, absolute = session_limits(user)
    now = int(time.time())
    request.session[STARTED] = now
    request.session[SEEN] = now
    request.session[LIMITS] = [idle, absolute]
    # The browser keeps the cookie a little past the limit, so that a late visitor is told what happened.
    request.session.set_expiry(absolute + idle)


def on_signed_in(sender, request, user, **kwargs) -> None:
    """``user_logged_in`` (the sign-in form, an accepted invitation, the admin's sign-in)."""
    if request is not None and hasattr(request, "session"):
        session_start(request=request, user=user)


def user_sessions_end(*, user, reason: str) -> int:
    """End every session of this user now (deactivation): their next request meets the sign-in page."""
    count, _details = UserSession.objects.filter(user_id=user.pk).delete()
    log.info(
        "sessions ended",
        extra={
            "event": "sessions_ended",
            "user_id": user.pk,
            "username": user.get_username(),
            "reason": reason,
            "sessions": count,
        },
    )
    return count


def _duration(seconds: int) -> str:
    if seconds % 86400 == 0:
        days = seconds // 86400
        return ngettext("%(count)d day", "%(count)d days", days) % {"count": days}
    if seconds % 3600 == 0:
        hours = seconds // 3600
        return ngettext("%(count)d hour", "%(count)d hours", hours) % {"count": hours}
    minutes = max(1, seconds // 60)
    return ngettext("%(count)d minute", "%(count)d minutes", minutes) % {"count": minutes}


class SessionTimeoutMiddleware:
    """After ``AuthenticationMiddleware`` and ``MessageMiddleware``: ends sessions that ran out."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            expired = self._check(request)
        except (DatabaseError, InterfaceError):
            # The session cannot be read: the view meets the same outage and answers with its page (503).
            expired = None
        if expired is not None:
            return expired
        return self.get_response(request)

    def _check(self, request):
        session = request.session
        if SESSION_KEY not in session:
            return None
        now = int(time.time())
        if LIMITS not in session:
            # Signed in before these limits existed: the clocks start now.
            session_start(request=request, user=request.user)
            return None
        idle, absolute = session[LIMITS]
        if now - session[STARTED] > absolute:
            reason, text = "absolute", _("You were signed out: a session lasts at most %(duration)s.")
            return self._end(request, reason, text % {"duration": _duration(absolute)})
        if now - session[SEEN] > idle:
            reason, text = "idle", _("You were signed out after %(duration)s without activity.")
            return self._end(request, reason, text % {"duration": _duration(idle)})
        if now - session[SEEN] >= SEEN_PRECISION:
            session[SEEN] = now
        return None

    def _end(self, request, reason: str, text: str):
        request.butler_signout_reason = f"session_{reason}"
        logout(request)
        messages.info(request, f"{text} {_('Please sign in again.')}")
        # Back to the page asked for; a form sent after the session ended may only be posted, so not there.
        response = redirect_to_login(request.get_full_path() if request.method in ("GET", "HEAD") else "/")
        if request.htmx:  # set by HtmxMiddleware, which runs before this one
            # An htmx request would swap the sign-in page into a fragment: the whole page goes there instead.
            redirect = HttpResponse(status=204)
            redirect["HX-Redirect"] = response["Location"]
            return redirect
        return response
