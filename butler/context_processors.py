import functools

from django.conf import settings

from butler.security.roles import BUTLER, COMPANY, MANAGER, REVIEWER, roles_of
from butler.service.window import service_hours, window_name
from reminders.selectors import unread_count


def roles(request) -> dict:
    current = roles_of(getattr(request, "user", None))
    return {
        "is_manager": MANAGER in current,
        "is_butler": BUTLER in current,
        "is_company": COMPANY in current,
        "is_reviewer": REVIEWER in current,
    }


def notices(request) -> dict:
    """The bell's unread count, counted only on pages that show the bell."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notices": functools.cache(lambda: unread_count(user))}


def window(request) -> dict:
    """The window's name and hours, and the service's length, for every page and e-mail."""
    return {
        "window_name": window_name(),
        "service_hours": service_hours(),
        "service_days": settings.BUTLER_SERVICE_DAYS,
    }
