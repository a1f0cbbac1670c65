"""The access trail: every sign-in, failed sign-in, lockout, sign-out and refused access is a line on the
``butler.security`` logger, with the user, the client's address and the request id (which every record
carries, see :mod:`butler.security.request_context`).

Each line has ``event`` (``signed_in``, ``signin_failed``, ``locked_out``, ``signed_out``,
``session_idle``/``session_absolute`` for a session that ran out, ``access_refused``, ``sessions_ended``),
``username`` and ``user_id`` (the account concerned: for a failed sign-in, what was typed) and ``client_ip``.
"""

import logging

from axes.helpers import get_client_ip_address
from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.core.exceptions import PermissionDenied
from django.http import Http404

from butler.security import language, sessions
from butler.security.signin import attempted_username

log = logging.getLogger("butler.security")


def client_ip(request) -> str | None:
    """The client's address as the lockout sees it: behind the proxy, from its header (see settings)."""
    if request is None:
        return None
    address = getattr(request, "axes_ip_address", None)
    return address if address is not None else get_client_ip_address(request)


def _event(event: str, request, *, level=logging.INFO, username=None, user_id=None, **fields) -> None:
    log.log(
        level,
        event.replace("_", " "),
        extra={
            "event": event,
            "username": username,
            "user_id": user_id,
            "client_ip": client_ip(request),
            **fields,
        },
    )


def on_signed_in(sender, request, user, **kwargs) -> None:
    """``user_logged_in``: who signed in."""
    _event("signed_in", request, username=user.get_username(), user_id=user.pk)


def on_signin_failed(sender, credentials, request=None, **kwargs) -> None:
    """``user_login_failed``: what was typed (never the password)."""
    _event(
        "signin_failed",
        request,
        level=logging.WARNING,
        username=attempted_username(request, credentials),
        locked=bool(getattr(request, "axes_locked_out", False)),
    )


def on_locked_out(sender, request, username, ip_address, **kwargs) -> None:
    """axes' ``user_locked_out``: the pair has just been locked, or tried again while locked."""
    _event("locked_out", request, level=logging.WARNING, username=username)


def on_signed_out(sender, request, user, **kwargs) -> None:
    """``user_logged_out``: by the user, or by the session timeout (which says why)."""
    event = getattr(request, "butler_signout_reason", "signed_out")
    _event(event, request, username=user.get_username() if user else None, user_id=getattr(user, "pk", None))


def connect() -> None:
    """Called once from the app's ``ready()``."""
    user_logged_in.connect(sessions.on_signed_in, dispatch_uid="butler.security.session_start")
    user_logged_in.connect(on_signed_in, dispatch_uid="butler.security.signed_in")
    user_logged_in.connect(language.on_signed_in, dispatch_uid="butler.security.language")
    user_login_failed.connect(on_signin_failed, dispatch_uid="butler.security.signin_failed")
    user_logged_out.connect(on_signed_out, dispatch_uid="butler.security.signed_out")
    user_locked_out.connect(on_locked_out, dispatch_uid="butler.security.locked_out")


class RefusedAccessLogMiddleware:
    """Logs what a view refused: a 403 (the role may not), a 404 the view raised (outside the user's scope —
    :mod:`butler.service.access` answers 404, never 'exists but forbidden'), and a 403 from the CSRF check.

    A 404 from the URL resolver (no such page) is not a refusal and is not logged here."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code == 403 and not getattr(request, "butler_refusal_logged", False):
            self._log(request, 403)
        return response

    def process_exception(self, request, exception):
        if isinstance(exception, PermissionDenied):
            self._log(request, 403)
        elif isinstance(exception, Http404):
            self._log(request, 404)
        return None

    def _log(self, request, status: int) -> None:
        request.butler_refusal_logged = True
        user = request.user if hasattr(request, "user") else None
        signed_in = user is not None and user.is_authenticated
        _event(
            "access_refused",
            request,
            level=logging.WARNING,
            username=user.get_username() if signed_in else None,
            user_id=user.pk if signed_in else None,
            status=status,
            method=request.method,
            path=request.path,
        )
