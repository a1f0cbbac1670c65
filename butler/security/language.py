"""Each person reads the product in their own language: the one they last chose is kept
(``reminders.people``) and, once they sign in, used for their pages wherever they sign in from — as it is for
their e-mails and text messages. Before signing in, the browser's language (or the switcher's cookie) is used.
"""

from django.conf import settings
from django.db import DatabaseError, InterfaceError
from django.http import HttpRequest
from django.utils import translation
from django.views.i18n import set_language as django_set_language

from reminders.people import language_set, languages_of

SESSION_KEY = "butler_language"


def on_signed_in(sender, request, user, **kwargs) -> None:
    """``user_logged_in``: the language the person chose, kept in their session for the pages that follow
    (one who never chose reads their browser's language)."""
    chosen = languages_of([user.pk]).get(user.pk)
    if chosen and request is not None and hasattr(request, "session"):
        request.session[SESSION_KEY] = chosen


def set_language(request: HttpRequest):
    """Django's language switcher, which also keeps a signed-in person's choice for their next visits, their
    e-mails and text messages."""
    response = django_set_language(request)
    language = request.POST.get("language", "")
    if request.method == "POST" and request.user.is_authenticated and language in dict(settings.LANGUAGES):
        language_set(user=request.user, language=language)
        request.session[SESSION_KEY] = language
    return response


class PersonLanguageMiddleware:
    """After ``AuthenticationMiddleware``: a signed-in person's pages are in the language they chose."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            language = request.session.get(SESSION_KEY)
        except (DatabaseError, InterfaceError):
            language = None  # the session cannot be read: the page meets the outage and says so
        if language and language in dict(settings.LANGUAGES):
            translation.activate(language)
            request.LANGUAGE_CODE = translation.get_language()
        return self.get_response(request)
