"""A company contact on a phone, and a butler at a desk, subscribe a calendar in a real Chromium: the
button makes the address, the page shows it once with its QR code, the Content Security Policy
refuses nothing, axe finds no serious accessibility fault, and the address serves the person's calendar."""

from urllib.request import urlopen

import icalendar
import pytest
from django.urls import reverse

from tests.browser.test_pages import _axe
from tests.conftest import PASSWORD, issue_road_freight_licence

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize(
    ("who", "page_name", "phone"),
    [("contact", "calendars:portal", True), ("butler", "calendars:mine", False)],
)
def test_a_phone_calendar_is_subscribed_from_the_page(
    live_server, browser, world, artifacts, settings, who, page_name, phone
):
    settings.BUTLER_PUBLIC_URL = ""  # the live server's own address, where the test reads the feed
    freight = issue_road_freight_licence(world)
    user = world.contact_a if who == "contact" else world.butler_a.user
    context = browser.new_context(
        locale="zh-CN",
        viewport={"width": 390, "height": 844} if phone else {"width": 1280, "height": 900},
        is_mobile=phone,
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    refused = []
    page.on("console", lambda m: "Content Security Policy" in m.text and refused.append(m.text))
    page.goto(live_server.url + reverse("login"))
    page.locator("#id_username").fill(user.username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("form:has(#id_username) button[type=submit]").click()
    page.wait_for_load_state()

    page.goto(live_server.url + reverse(page_name))
    page.get_by_test_id("calendar-make").click()
    page.get_by_test_id("calendar-made").wait_for()

    address = page.get_by_test_id("calendar-url").input_value()
    assert address.startswith(live_server.url + "/calendars/feed/") and address.endswith(".ics")
    assert (
        page.get_by_test_id("subscribe-here").get_attribute("href")
        == "webcal://" + address.split("://", 1)[1]
    )
    assert page.locator(".calendar-qr svg").is_visible()
    page.screenshot(path=str(artifacts / f"calendar-{who}.png"), full_page=True)
    assert refused == []
    assert _axe(page) == []
    context.close()

    with urlopen(address) as response:  # noqa: S310 - the live test server
        calendar = icalendar.Calendar.from_ical(response.read())
    uids = {str(event["UID"]) for event in calendar.walk("VEVENT")}
    if who == "contact":
        assert f"company.licence-{freight.pk}.renew_by@butler.local" in uids
    else:
        assert uids == {f"staff.period-{world.period_a.pk}.end@butler.local"}
