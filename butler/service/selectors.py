"""Reads about staff: whose butler a user is."""

from butler.security import roles
from butler.service.models import Butler


def butler_for_user(user, *, among=()) -> Butler | None:
    """The butler profile of a signed-in butler, read once per request (``among``: butlers the caller has
    loaded already, where it is taken from without a query). The page header's ``user.butler`` reads the
    same answer: no query there either."""
    profile = Butler._meta.get_field("user").remote_field
    if not roles.is_butler(user):
        if user.is_authenticated and not profile.is_cached(user):
            profile.set_cached_value(user, None)
        return None
    cached = getattr(user, "_butler_profile", False)
    if cached is False:
        cached = next((b for b in among if b.user_id == user.pk), None) or (
            Butler.objects.filter(user=user).first()
        )
        user._butler_profile = cached
        profile.set_cached_value(user, cached)
    return cached
