"""The OpenAPI schema held against the API itself (Schemathesis): whatever a caller sends, within the
schema or not, the API answers without a server error, with a status the schema documents and a body that
matches it — for a key of each scope."""

import json

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tests.butler.api.conftest import token_for
from tests.conftest import register

SCOPES = ("read", "events", "registrations")


@pytest.fixture
def keys(world):
    """A manager's key of each scope, and a butler's read key, over a world with a few more companies."""
    for n in range(3, 6):
        register(world.butler_a.user, n)
    found = {scope: token_for(world.manager, scope, rate="100000/min")[1] for scope in SCOPES}
    found["butler_read"] = token_for(world.butler_a.user, "read", rate="100000/min")[1]
    return found


@pytest.fixture
def app():
    """The product as a WSGI application, in the test's transaction (as Django's test client runs it: the
    connection is not closed between requests)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield WSGIHandler()
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


# The schema the API serves at /api/v1/schema/ (drawn by the same generator), with the product to call.
schema = schemathesis.openapi.from_dict(
    json.loads(OpenApiJsonRenderer().render(SchemaGenerator().get_schema(request=None, public=True)))
)
schema.app = WSGIHandler()


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=15,
    deadline=None,
    derandomize=True,  # the same cases on every run: a red run can be repeated
    suppress_health_check=list(HealthCheck),
)
def test_the_api_keeps_to_its_schema(case, app, keys):
    for key in keys.values():
        # Every check but "a request the schema allows is accepted": the schema cannot say what only the
        # records can (a credit code's check digit, a case the approval system never opened), so such a
        # request is rightly refused with a 400 naming the field.
        case.call_and_validate(
            headers={"Authorization": f"Bearer {key}"}, excluded_checks=[positive_data_acceptance]
        )
