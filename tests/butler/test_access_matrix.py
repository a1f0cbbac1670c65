"""Who may open what: every URL of the product against every role.

LOGIN: redirected to sign in. 403: the role may not use the page. 404: the object is outside the user's
scope (we never confirm that it exists). A URL missing from the matrix fails the suite.
"""

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from butler import services

ROLES = ["anonymous", "company_a", "company_b", "butler_a", "butler_b", "manager", "outsider"]
LOGIN = "login"


def row(anonymous, company_a, company_b, butler_a, butler_b, manager, outsider):
    return dict(
        zip(ROLES, [anonymous, company_a, company_b, butler_a, butler_b, manager, outsider], strict=True)
    )


EVERYONE = row(200, 200, 200, 200, 200, 200, 200)
BUTLERS_ONLY = row(LOGIN, 403, 403, 200, 200, 403, 403)
MANAGER_ONLY = row(LOGIN, 403, 403, 403, 403, 200, 403)
COMPANY_A_RECORD = row(LOGIN, 403, 403, 200, 404, 200, 403)
MANAGER_ON_COMPANY_A = row(LOGIN, 403, 403, 403, 403, 200, 403)
SIGNED_IN = row(LOGIN, 200, 200, 200, 200, 200, 200)

# name: (method, arguments from the world, expected status per role)
MATRIX = {
    "home": ("get", lambda w: [], row(LOGIN, 302, 302, 302, 302, 302, 403)),
    "login": ("get", lambda w: [], EVERYONE),
    "logout": ("post", lambda w: [], row(302, 302, 302, 302, 302, 302, 302)),
    "password_change": ("get", lambda w: [], SIGNED_IN),
    "password_change_done": ("get", lambda w: [], SIGNED_IN),
    "password_reset": ("get", lambda w: [], EVERYONE),
    "password_reset_done": ("get", lambda w: [], EVERYONE),
    # butler_a signing in changes their last sign-in time, which retires the link: "expired" page (200).
    "password_reset_confirm": (
        "get",
        lambda w: [w.reset_uid, w.reset_token],
        row(302, 302, 302, 200, 302, 302, 302),
    ),
    "password_reset_complete": ("get", lambda w: [], EVERYONE),
    "set_language": ("post", lambda w: [], row(*[302] * 7)),
    "firstvisit:search": ("get", lambda w: [], BUTLERS_ONLY),
    "firstvisit:register": ("get", lambda w: [], BUTLERS_ONLY),
    "firstvisit:accept": ("get", lambda w: [w.company_a.pk], BUTLERS_ONLY),
    "portfolio:list": ("get", lambda w: [], BUTLERS_ONLY),
    "companies:detail": ("get", lambda w: [w.company_a.pk], COMPANY_A_RECORD),
    "companies:edit": ("get", lambda w: [w.company_a.pk], COMPANY_A_RECORD),
    "companies:contact_add": ("get", lambda w: [w.company_a.pk], COMPANY_A_RECORD),
    "companies:contact_edit": ("get", lambda w: [w.contact_a.contact.pk], COMPANY_A_RECORD),
    "companies:transfer": ("get", lambda w: [w.company_a.pk], MANAGER_ON_COMPANY_A),
    "companies:end_early": ("get", lambda w: [w.company_a.pk], MANAGER_ON_COMPANY_A),
    "periods:card": ("get", lambda w: [w.period_a.pk], COMPANY_A_RECORD),
    "periods:new_invitation": ("post", lambda w: [w.period_a.pk], row(LOGIN, 403, 403, 302, 404, 302, 403)),
    "manager:periods": ("get", lambda w: [], MANAGER_ONLY),
    "manager:workload": ("get", lambda w: [], MANAGER_ONLY),
    "portal:home": ("get", lambda w: [], row(LOGIN, 200, 200, 403, 403, 403, 403)),
    "portal:invitation": ("get", lambda w: [w.invitation_token], EVERYONE),
    "admin:index": ("get", lambda w: [], row(302, 302, 302, 302, 302, 302, 302)),
}


def _names(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            namespace = f"{prefix}{pattern.namespace}:" if pattern.namespace else prefix
            yield from _names(pattern.url_patterns, namespace)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield prefix + pattern.name


def test_every_url_is_in_the_matrix():
    names = {name for name in _names(get_resolver().url_patterns) if not name.startswith("admin:")}
    assert names - set(MATRIX) == set(), "add these URLs to the access matrix"


@pytest.fixture
def matrix_world(world):
    company = world.company_a
    uninvited = company.contacts.create(name="赵敏", mobile="13900000777", is_primary=False)
    _invitation, world.invitation_token = services.invitation_issue(
        actor=world.butler_a.user, contact=uninvited
    )
    world.reset_uid = urlsafe_base64_encode(force_bytes(world.butler_a.user.pk))
    world.reset_token = default_token_generator.make_token(world.butler_a.user)
    return world


def _user(world, role):
    return {
        "anonymous": None,
        "company_a": world.contact_a,
        "company_b": world.contact_b,
        "butler_a": world.butler_a.user,
        "butler_b": world.butler_b.user,
        "manager": world.manager,
        "outsider": world.outsider,
    }[role]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", sorted(MATRIX))
def test_access(client, matrix_world, name, role):
    method, args, expected = MATRIX[name]
    user = _user(matrix_world, role)
    if user is not None:
        client.force_login(user)
    url = reverse(name, args=args(matrix_world))
    response = getattr(client, method)(url, {"language": "en"} if name == "set_language" else {})
    want = expected[role]
    if want == LOGIN:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    else:
        assert response.status_code == want, f"{role} on {name}"
