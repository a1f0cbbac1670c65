"""Request ids, and the context every log record carries.

The reverse proxy sends ``X-Request-ID`` (nginx: ``$request_id``); a sane one is kept, anything else is
replaced by a fresh uuid4 hex. The id is put on the request (``request.request_id``), on the response header
and, through a context variable, into every log record made while the request is handled — with the
signed-in user once the request has looked them up. A Celery task does the same with its task id, so a
task's log lines can be found together.
"""

import logging
import re
import uuid
from contextvars import ContextVar

from django.http import HttpRequest
from django.utils.functional import LazyObject, empty

HEADER = "X-Request-ID"
# What a proxy's id looks like: nginx's 32 hex digits, a uuid, or a similar token. Nothing that could
# forge a log line (no spaces, quotes or control characters), and not too long.
_SANE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{7,63}$")

_request_id: ContextVar[str | None] = ContextVar("butler_request_id", default=None)
_request: ContextVar[HttpRequest | None] = ContextVar("butler_request", default=None)


def request_id_from(value: str | None) -> str:
    """The proxy's id when it looks sane, else a new one."""
    if value and _SANE.match(value):
        return value
    return uuid.uuid4().hex


def _known_user(request: HttpRequest | None) -> str | None:
    """The signed-in user's name if the request has already looked them up.

    Never looks the user up itself: a log call must not run a query (it may be logging one)."""
    user = getattr(request, "user", None) if request is not None else None
    if isinstance(user, LazyObject):
        user = None if user._wrapped is empty else user._wrapped
    if user is None or not user.is_authenticated:
        return None
    return user.get_username()


def add_context(record: logging.LogRecord) -> logging.LogRecord:
    """Give the record ``request_id`` and ``user`` (the signed-in user's name) if it has none yet.

    Records get them when they are made (see :func:`install_record_factory`), so ``extra=`` cannot name
    them: an event about another user (a failed sign-in) names its subject ``username``."""
    if not hasattr(record, "request_id"):
        record.request_id = _request_id.get()
    if not hasattr(record, "user"):
        record.user = _known_user(_request.get())
    return record


class RequestContextFilter(logging.Filter):
    """For the handlers in ``LOGGING``: the fields are always there for the formatter."""

    def filter(self, record: logging.LogRecord) -> bool:
        add_context(record)
        # Django logs a request's error response after the middleware has finished, with the request.
        request = getattr(record, "request", None)
        if record.request_id is None and isinstance(request, HttpRequest):
            record.request_id = getattr(request, "request_id", None)
            record.user = record.user or _known_user(request)
        return True


def install_record_factory() -> None:
    """Every record gets the context when it is made, whichever handler (or test) receives it."""
    previous = logging.getLogRecordFactory()
    if getattr(previous, "butler_context", False):
        return

    def factory(*args, **kwargs):
        record = previous(*args, **kwargs)
        record.request_id = _request_id.get()
        record.user = _known_user(_request.get())
        return record

    factory.butler_context = True
    logging.setLogRecordFactory(factory)


class RequestIdMiddleware:
    """First in the chain: every response, even a redirect to HTTPS, carries the id."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.request_id = request_id_from(request.headers.get(HEADER))
        id_token = _request_id.set(request.request_id)
        request_token = _request.set(request)
        try:
            response = self.get_response(request)
        finally:
            _request.reset(request_token)
            _request_id.reset(id_token)
        response[HEADER] = request.request_id
        return response


def task_started(task_id=None, **kwargs) -> None:
    """Celery ``task_prerun``: the task's log lines carry its id as their request id."""
    _request_id.set(task_id)
    _request.set(None)


def task_finished(**kwargs) -> None:
    """Celery ``task_postrun``: the worker's own lines after the task carry none."""
    _request_id.set(None)
