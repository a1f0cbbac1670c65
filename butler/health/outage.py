"""The database is out of reach: answer 503 with the product's own page, never a traceback or a bare 500.

While PostgreSQL restarts (or the network to it fails) every page that reads or writes raises
``OperationalError`` or ``InterfaceError``. ``DatabaseOutageMiddleware`` turns such an error raised by a view
into the "temporarily unavailable" page; ``server_error`` (the project's ``handler500``) does the same for one
raised outside the view — the session saved on the way out, a middleware reading the user — and renders
Django's plain 500 page for everything else. The page is rendered from the template alone: no context
processor, no session, no query, so it renders with the database gone. Once the database answers again,
the next request reconnects (``CONN_HEALTH_CHECKS``): nothing needs restarting.
"""

import logging
import sys

from django.db import InterfaceError, OperationalError, connection
from django.http import HttpRequest, HttpResponse, HttpResponseServerError
from django.template import loader
from django.utils import translation
from django.views.decorators.csrf import requires_csrf_token

logger = logging.getLogger("butler.health.outage")

DATABASE_ERRORS = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 60


def _driver_errors() -> tuple[type[BaseException], ...]:
    """The driver's own connection errors: Django leaves a few calls unwrapped (closing a server-side cursor
    on a dead connection raises psycopg's ``OperationalError`` while Django's is being handled)."""
    database = getattr(connection, "Database", None)
    errors = (getattr(database, name, None) for name in ("OperationalError", "InterfaceError"))
    return tuple(error for error in errors if isinstance(error, type))


def is_database_outage(error: BaseException | None) -> bool:
    """The error, or one it was raised from or while handling, says the database is out of reach."""
    errors = DATABASE_ERRORS + _driver_errors()
    seen = set()
    while error is not None and id(error) not in seen:
        if isinstance(error, errors):
            return True
        seen.add(id(error))
        error = error.__cause__ or error.__context__
    return False


def unavailable_response(request: HttpRequest, error: BaseException) -> HttpResponse:
    """The 503 page in the language the request asks for, with ``Retry-After``; the outage logged."""
    logger.warning(
        "database unavailable: %s %s answered 503 (%s: %s)",
        request.method,
        request.path,
        type(error).__name__,
        str(error).strip().splitlines()[0] if str(error).strip() else "",
    )
    with translation.override(translation.get_language_from_request(request)):
        content = loader.render_to_string(
            "503.html", {"lost_input": request.method not in ("GET", "HEAD", "OPTIONS")}
        )
    response = HttpResponse(content, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


class DatabaseOutageMiddleware:
    """A view that fails because the database is out of reach answers 503, not 500."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if is_database_outage(exception):
            return unavailable_response(request, exception)
        return None


@requires_csrf_token
def server_error(request: HttpRequest) -> HttpResponse:
    """``handler500``: an uncaught database outage is a 503 page; anything else Django's plain 500 page."""
    error = sys.exc_info()[1]
    if is_database_outage(error):
        return unavailable_response(request, error)
    try:
        template = loader.get_template("500.html")
    except Exception:  # noqa: BLE001 - the last resort must not fail
        return HttpResponseServerError("<h1>Server Error (500)</h1>", content_type="text/html")
    return HttpResponseServerError(template.render())
