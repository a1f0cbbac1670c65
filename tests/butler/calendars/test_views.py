"""The calendar page: a company contact's on the portal, a butler's and a manager's among their own pages. The
address is shown once, when made; each person manages their own, and nobody else's."""

import re

import pytest
from django.urls import reverse

from butler.calendars.services import calendar_feed_make
from butler.models import CalendarFeed

PUBLIC = "https://butler.example.gov.cn"


@pytest.fixture(autouse=True)
def public_url(settings):
    settings.BUTLER_PUBLIC_URL = PUBLIC


def _token_in(page: str) -> str:
    found = re.search(re.escape(PUBLIC) + r"/calendars/feed/([A-Za-z0-9_-]+)\.ics", page)
    assert found, "the page shows no calendar address"
    return found.group(1)


@pytest.mark.parametrize(
    ("who", "page"),
    [("contact_a", "calendars:portal"), ("butler", "calendars:mine"), ("manager", "calendars:mine")],
)
def test_the_address_is_shown_once_when_made_and_works(client, world, who, page):
    user = {"contact_a": world.contact_a, "butler": world.butler_a.user, "manager": world.manager}[who]
    client.force_login(user)
    before = client.get(reverse(page))
    assert 'data-testid="calendar-none"' in before.content.decode()

    made = client.post(reverse(page), {"make": "on"})

    assert made.status_code == 200
    assert "no-store" in made["Cache-Control"]  # the address stays out of every cache
    text = made.content.decode()
    token = _token_in(text)
    assert f'href="webcal://butler.example.gov.cn/calendars/feed/{token}.ics"' in text
    assert "<svg" in text  # the QR code
    feed = CalendarFeed.objects.get(owner=user)
    assert feed.is_live and (feed.company == world.company_a) == (who == "contact_a")
    client.logout()
    assert client.get(reverse("calendars:feed", args=[token])).status_code == 200
    client.force_login(user)
    again = client.get(reverse(page)).content.decode()
    assert token not in again and 'data-testid="calendar-live"' in again


def test_making_a_new_address_on_the_page_stops_the_old_one(client, world):
    client.force_login(world.contact_a)
    old = _token_in(client.post(reverse("calendars:portal"), {"make": "on"}).content.decode())
    new = _token_in(client.post(reverse("calendars:portal"), {"make": "on"}).content.decode())
    assert old != new
    assert client.get(reverse("calendars:feed", args=[old])).status_code == 404
    assert client.get(reverse("calendars:feed", args=[new])).status_code == 200
    assert CalendarFeed.objects.filter(owner=world.contact_a).live().count() == 1


def test_a_post_without_the_button_changes_nothing(client, world):
    client.force_login(world.contact_a)
    response = client.post(reverse("calendars:portal"), {})
    assert response.status_code == 200
    assert not CalendarFeed.objects.exists()


def test_the_page_lists_what_the_calendar_holds(client, world):
    from tests.conftest import issue_road_freight_licence

    freight = issue_road_freight_licence(world)
    client.force_login(world.contact_a)
    page = client.get(reverse("calendars:portal")).content.decode()
    assert f'href="/portal/licences/#licence-{freight.pk}"' in page
    assert "2030-10-02" in page


def test_the_owner_revokes_their_address(client, world):
    feed, token = calendar_feed_make(actor=world.contact_a)
    client.force_login(world.contact_a)
    response = client.post(reverse("calendars:revoke", args=[feed.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("calendars:portal")
    feed.refresh_from_db()
    assert not feed.is_live
    assert client.get(reverse("calendars:feed", args=[token])).status_code == 404


def test_a_butler_revokes_theirs_and_lands_on_their_page(client, world):
    feed, _token = calendar_feed_make(actor=world.butler_a.user)
    client.force_login(world.butler_a.user)
    response = client.post(reverse("calendars:revoke", args=[feed.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("calendars:mine")


@pytest.mark.parametrize(
    ("owner", "intruder", "status"),
    [
        ("contact_a", "contact_b", 404),  # another company's contact
        ("contact_a", "butler_a", 404),  # the company's own butler: the contact's address is the contact's
        ("contact_a", "manager", 404),
        ("butler_a", "butler_b", 404),
        ("butler_a", "manager", 404),  # a manager's own feed only
        ("manager", "butler_a", 404),
        ("butler_a", "outsider", 403),
        ("butler_a", "anonymous", 302),
    ],
)
def test_nobody_revokes_anyone_elses_address(client, world, owner, intruder, status):
    users = {
        "contact_a": world.contact_a,
        "contact_b": world.contact_b,
        "butler_a": world.butler_a.user,
        "butler_b": world.butler_b.user,
        "manager": world.manager,
        "outsider": world.outsider,
        "anonymous": None,
    }
    feed, token = calendar_feed_make(actor=users[owner])
    if users[intruder] is not None:
        client.force_login(users[intruder])
    response = client.post(reverse("calendars:revoke", args=[feed.pk]))
    assert response.status_code == status
    if status == 302:
        assert response["Location"].startswith(reverse("login"))
    feed.refresh_from_db()
    assert feed.is_live
    client.logout()
    assert client.get(reverse("calendars:feed", args=[token])).status_code == 200


def test_the_portal_and_the_today_page_lead_to_the_calendar(client, world):
    client.force_login(world.contact_a)
    assert reverse("calendars:portal") in client.get(reverse("portal:home")).content.decode()
    client.force_login(world.butler_a.user)
    assert reverse("calendars:mine") in client.get(reverse("portfolio:today")).content.decode()
