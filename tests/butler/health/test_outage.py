"""While the database is out of reach, pages answer 503 with the product's own page, in the reader's language
— never a traceback or a bare 500 — and the page itself needs no database. (The drill against a real
PostgreSQL stopped under load is in ``tests/integration/test_drills.py``.)"""

import logging

import pytest
from django.db import InterfaceError, OperationalError, connection
from django.test import Client
from django.urls import get_resolver, reverse
from django.utils import translation

from butler.health.outage import server_error

TITLE = "Service temporarily unavailable"
ADVICE = "The service cannot reach its data at the moment. Please try again in a minute."
LOST = "What you sent has not been saved. Go back to find what you entered, and send it again in a minute."


class DatabaseDown:
    """Every statement fails as it does while PostgreSQL is stopped; counts the attempts."""

    def __init__(self, error=OperationalError):
        self.error, self.attempts = error, 0

    def __call__(self, execute, sql, params, many, context):
        self.attempts += 1
        raise self.error("connection to server at 127.0.0.1, port 5432 failed: Connection refused")


def _translated(language: str, text: str) -> str:
    with translation.override(language):
        return translation.gettext(text)


@pytest.mark.parametrize(
    ("headers", "language"),
    [({}, "zh-hans"), ({"HTTP_ACCEPT_LANGUAGE": "en"}, "en")],
    ids=["chinese-by-default", "english"],
)
def test_a_page_answers_503_with_the_products_own_page_in_the_readers_language(world, headers, language):
    client = Client()
    client.force_login(world.butler_a.user)
    down = DatabaseDown()
    with connection.execute_wrapper(down):
        response = client.get(reverse("portfolio:today"), **headers)

    assert down.attempts >= 1, "the page never reached for the database"
    assert response.status_code == 503
    assert response["Retry-After"] == "60"
    assert response["Cache-Control"] == "no-store"
    page = response.content.decode()
    assert f'<html lang="{language}">' in page
    assert _translated(language, TITLE) in page
    assert _translated(language, ADVICE) in page
    assert _translated(language, LOST) not in page  # a GET loses nothing
    assert "Traceback" not in page and "OperationalError" not in page and "5432" not in page


def test_a_form_sent_during_the_outage_says_it_was_not_saved_and_how_to_get_it_back(world):
    client = Client()
    client.force_login(world.butler_a.user)
    with connection.execute_wrapper(DatabaseDown(InterfaceError)):
        response = client.post(
            reverse("portfolio:today"), {"note": "called the boss"}, HTTP_ACCEPT_LANGUAGE="en"
        )

    assert response.status_code == 503
    page = response.content.decode()
    assert LOST in page
    assert 'http-equiv="refresh"' not in page  # no reload that would take the reader away from their input


def test_an_outage_outside_the_view_is_a_503_too_and_is_logged(rf, caplog):
    assert get_resolver().resolve_error_handler(500) is server_error
    request = rf.get("/portfolio/", HTTP_ACCEPT_LANGUAGE="en")
    caplog.set_level(logging.WARNING, logger="butler.health.outage")
    try:
        raise OperationalError("server closed the connection unexpectedly")
    except OperationalError:
        response = server_error(request)

    assert response.status_code == 503
    assert TITLE in response.content.decode()
    assert "database unavailable: GET /portfolio/ answered 503 (OperationalError" in caplog.text


def test_any_other_error_is_still_the_plain_500_page(rf):
    try:
        raise ValueError("a bug")
    except ValueError:
        response = server_error(rf.get("/portfolio/"))

    assert response.status_code == 500
    assert "a bug" not in response.content.decode()
    assert "服务暂时不可用" in response.content.decode()  # templates/500.html


def test_the_drivers_own_error_raised_while_django_handles_the_outage_is_a_503(rf):
    """Closing a server-side cursor on a dead connection raises psycopg's error, unwrapped by Django, while
    Django's ``OperationalError`` is being handled: still the outage, not a 500."""
    import psycopg

    try:
        try:
            raise OperationalError("consuming input failed: server closed the connection unexpectedly")
        except OperationalError:
            raise psycopg.OperationalError("the connection is closed") from None
    except psycopg.OperationalError:
        response = server_error(rf.get("/portfolio/", HTTP_ACCEPT_LANGUAGE="en"))

    assert response.status_code == 503
    assert TITLE in response.content.decode()


def test_an_error_raised_while_handling_the_outage_is_the_outage_too(rf):
    try:
        try:
            raise InterfaceError("connection already closed")
        except InterfaceError as outage:
            raise RuntimeError("cleanup failed") from outage
    except RuntimeError:
        response = server_error(rf.get("/portfolio/", HTTP_ACCEPT_LANGUAGE="en"))

    assert response.status_code == 503
