import pytest
from rest_framework.test import APIClient

from butler.api.tokens import token_make


def token_for(user, *scopes, rate: str = "", name: str = "审批系统"):
    """A token acting as ``user`` and its key, made as the admin makes it."""
    return token_make(actor=None, name=name, user=user, scopes=scopes or ("read",), rate=rate)


def client_with(key: str | None, **headers) -> APIClient:
    client = APIClient()
    if key:
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}", **headers)
    return client


@pytest.fixture
def reader(world):
    """The keys of one read token per role: a manager's, butler A's, company A's contact's, an outsider's."""
    return {
        name: token_for(user)[1]
        for name, user in {
            "manager": world.manager,
            "butler_a": world.butler_a.user,
            "contact_a": world.contact_a,
            "outsider": world.outsider,
        }.items()
    }
