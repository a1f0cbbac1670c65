"""The roles of the product, held as Django groups, and what a signed-in user is: the window's butlers and
managers, the companies' contacts, and the reviewer outside the window who decides disputed ratings (申诉)."""

from django.contrib.auth.models import AnonymousUser, Group

BUTLER = "Butler"
MANAGER = "Manager"
COMPANY = "Company"
REVIEWER = "Reviewer"
ALL_ROLES = (BUTLER, MANAGER, COMPANY, REVIEWER)


def roles_of(user) -> frozenset[str]:
    """The user's roles, read once per request and kept on the user object."""
    if user is None or isinstance(user, AnonymousUser) or not user.is_authenticated or not user.is_active:
        return frozenset()
    cached = getattr(user, "_butler_roles", None)
    if cached is None:
        cached = frozenset(user.groups.filter(name__in=ALL_ROLES).values_list("name", flat=True))
        user._butler_roles = cached
    return cached


def is_manager(user) -> bool:
    return MANAGER in roles_of(user)


def is_butler(user) -> bool:
    return BUTLER in roles_of(user)


def is_company(user) -> bool:
    return COMPANY in roles_of(user)


def is_reviewer(user) -> bool:
    return REVIEWER in roles_of(user)


def is_staff_role(user) -> bool:
    return bool(roles_of(user) & {BUTLER, MANAGER})


def add_role(user, role: str) -> None:
    group, _created = Group.objects.get_or_create(name=role)
    user.groups.add(group)
    if hasattr(user, "_butler_roles"):
        del user._butler_roles
