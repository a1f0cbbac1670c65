"""Under the Content Security Policy, in a real Chromium: htmx still swaps content in, the Django admin
works, and nothing on these pages is refused by the policy (a refusal shows as a console error)."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from butler.models import ContactRecord
from companies.models import LicenceType
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CSP = "Content Security Policy"


def watch_policy(page) -> list[str]:
    """The console errors in which the browser says the policy refused something."""
    refused: list[str] = []
    page.on("console", lambda message: CSP in message.text and refused.append(f"{page.url}: {message.text}"))
    return refused


def sign_in(page, base: str, username: str) -> None:
    page.goto(base + reverse("login"))
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("form:has(#id_username) button[type=submit]").click()
    page.wait_for_load_state()


def test_the_policy_watch_sees_a_refusal(live_server, page, world):
    refused = watch_policy(page)
    page.goto(live_server.url + reverse("login"))
    page.evaluate(
        """() => {
        const script = document.createElement("script");
        script.textContent = "window.ran = true";
        document.body.append(script);
        document.body.setAttribute("style", "color: red");
    }"""
    )
    page.wait_for_function("() => true")  # let the console events arrive
    assert page.evaluate("() => window.ran === undefined")  # the inline script did not run
    assert any("script-src" in text for text in refused) and any("style-src" in text for text in refused)


def test_a_contact_recorded_through_htmx_appears_without_reloading_the_page(live_server, page, world):
    refused = watch_policy(page)
    sign_in(page, live_server.url, world.butler_a.user.username)
    page.goto(live_server.url + reverse("company:detail", args=[world.company_a.pk]))
    page.evaluate("() => { window.notReloaded = true; }")
    form = page.locator("form.contact-log-form")
    form.locator("[name=summary]").fill("电话确认了年审材料")

    with page.expect_response(lambda response: response.request.headers.get("hx-request") == "true") as sent:
        form.locator("button[type=submit]").click()

    assert sent.value.status == 200
    page.locator("#contact-log .contact-record", has_text="电话确认了年审材料").wait_for()
    assert page.evaluate("() => window.notReloaded === true")  # htmx swapped it in: no page load
    assert ContactRecord.objects.filter(company=world.company_a, summary="电话确认了年审材料").exists()
    assert refused == []


def test_the_admin_works_under_the_policy(live_server, page, world):
    get_user_model().objects.create_superuser("admin", "admin@window.example", PASSWORD)
    refused = watch_policy(page)
    sign_in(page, live_server.url, "admin")
    company = world.company_a
    licence_type = LicenceType.objects.filter(materials__isnull=False).first()
    pages = [
        reverse("admin:index"),
        reverse("admin:companies_company_changelist") + "?q=" + company.credit_code,
        reverse("admin:companies_company_change", args=[company.pk]),
        reverse("admin:companies_company_history", args=[company.pk]),
        reverse("admin:butler_reminderrule_add"),
        reverse("admin:companies_licencetype_change", args=[licence_type.pk]),  # inlines
        reverse("admin:companies_calendarday_add"),  # the date widget
        reverse("admin:butler_rating_changelist"),
        reverse("admin:auth_user_change", args=[world.manager.pk]),
        reverse("admin:auth_user_changelist"),
    ]
    for path in pages:
        response = page.goto(live_server.url + path)
        assert response.status == 200, path
        assert page.locator("#content").is_visible(), path

    # The admin's own scripts run: the action bar's "select all" checks every row.
    page.goto(live_server.url + reverse("admin:auth_user_changelist"))
    page.locator("#action-toggle").check()
    assert page.locator("input.action-select:checked").count() == get_user_model().objects.count()
    assert refused == []
