"""The language each person reads: their pages once signed in, their e-mails and text messages.

Nobody has to choose: without a preference a person reads the window's language (Simplified Chinese). The
preference is kept when they switch language on any page, or set on the company's contact form.
"""

from collections.abc import Iterable

from django.conf import settings

from reminders.models import LanguagePreference


def languages_of(user_ids: Iterable[int]) -> dict[int, str]:
    """{user id: language} for those who chose one (one query)."""
    ids = list(user_ids)
    if not ids:
        return {}
    return dict(LanguagePreference.objects.filter(user_id__in=ids).values_list("user_id", "language"))


def language_of(user) -> str:
    """The language this person reads (the window's when they never chose)."""
    if user is None or not getattr(user, "pk", None):
        return settings.LANGUAGE_CODE
    return languages_of([user.pk]).get(user.pk, settings.LANGUAGE_CODE)


def language_set(*, user, language: str) -> bool:
    """Keep the person's language; True when it changed. An unknown language is refused."""
    if language not in dict(settings.LANGUAGES):
        raise ValueError(f"unknown language: {language}")
    preference, created = LanguagePreference.objects.get_or_create(user=user, defaults={"language": language})
    if created:
        return True
    if preference.language == language:
        return False
    preference.language = language
    preference.save(update_fields=["language"])
    return True
