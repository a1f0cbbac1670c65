"""Changes of a held licence (变更): a new address or name asks for them, they are applied for as one matter
and decided; the company and its butler are reminded until they are applied for."""

from datetime import date

import pytest
from django.urls import reverse

from butler.company.services import company_profile_update
from butler.licences.reminding import LicenceHandler
from companies.models import Application, BusinessScope, CompanyLicence, LicenceChange, LicenceStatus, Trip
from companies.services import licence_transition
from reminders.models import Reminder

ADDRESS = "宁波市北仑区大碶街道庐山西路36号"


@pytest.fixture
def held(world):
    """Company A's road freight licence, issued on 2026-11-02 (the clock stands there)."""
    licence = CompanyLicence.objects.get(company=world.company_a, licence_type__code="road_freight_licence")
    licence_transition(
        actor=world.butler_a.user, licence=licence, to=LicenceStatus.APPLIED, on=date(2026, 11, 2)
    )
    return licence_transition(
        actor=world.butler_a.user,
        licence=licence,
        to=LicenceStatus.ISSUED,
        on=date(2026, 11, 2),
        certificate_number="浙交运管许可甬字330206000123号",
        business_scopes=list(BusinessScope.objects.filter(code="general")),
    )


def _pending_change_reminders(licence):
    return sorted(
        Reminder.objects.filter(
            subject=f"licence:{licence.pk}", kind="change_by", status="pending"
        ).values_list("recipient__username", "channel", "offset_days")
    )


def test_a_new_address_asks_for_the_change_and_reminds_until_it_is_applied_for(client, world, held):
    company_profile_update(actor=world.butler_a.user, company=world.company_a, address=ADDRESS)
    change = LicenceChange.objects.get(licence=held)
    assert (change.item, change.before, change.after, change.status, change.file_by) == (
        "address",
        "宁波市北仑区新碶街道明州路188号",
        ADDRESS,
        "to_file",
        date(2026, 12, 2),
    )
    # 14, 7 and 1 days before: the butler in the app and by e-mail, the company as its contact chose (SMS).
    assert _pending_change_reminders(held) == [
        (user, channel, days)
        for user, channel in [
            ("butler_a", "email"),
            ("butler_a", "in_app"),
            ("contact_a", "in_app"),
            ("contact_a", "sms"),
        ]
        for days in (1, 7, 14)
    ]
    reminder = Reminder.objects.filter(subject=f"licence:{held.pk}", kind="change_by").first()
    assert (
        str(LicenceHandler().message(reminder).title)  # read in the window's language
        == "道路运输经营许可证（普通货运）：请于 2026-12-02 前申请证件变更"
    )

    # The company sees it on its licences page, by its date.
    client.force_login(world.contact_a)
    portal = client.get(reverse("portal:licences"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "apply for the change of this certificate (变更) by 2026-12-02" in portal

    # The same address typed again asks for nothing more; a new name is a change of its own.
    company_profile_update(actor=world.butler_a.user, company=world.company_a, address=ADDRESS)
    company_profile_update(
        actor=world.butler_a.user, company=world.company_a, name="宁波北仑顺达供应链有限公司"
    )
    assert sorted(LicenceChange.objects.filter(licence=held).values_list("item", "after")) == [
        ("address", ADDRESS),
        ("name", "宁波北仑顺达供应链有限公司"),
    ]

    # Both applied for at the window as one matter: one visit, and the reminders stop.
    client.force_login(world.butler_a.user)
    name_change = LicenceChange.objects.get(licence=held, item="name")
    response = client.post(
        reverse("licences:change_step", args=[held.pk, change.pk]),
        {
            "action": "file",
            f"file-{change.pk}-on": "2026-11-02",
            f"file-{change.pk}-channel": "window",
            f"file-{change.pk}-changes": [change.pk, name_change.pk],
        },
    )
    assert response.status_code == 302
    application = Application.objects.get(changes=change)
    assert set(application.changes.values_list("item", "status")) == {("address", "filed"), ("name", "filed")}
    assert list(Trip.objects.filter(application=application).values_list("event", "date")) == [
        ("accepted", date(2026, 11, 2))
    ]
    assert _pending_change_reminders(held) == []
    held.refresh_from_db()
    assert held.change_by is None


def test_a_decision_reissues_the_certificate_and_a_refusal_needs_its_reasons(client, world, held):
    company_profile_update(
        actor=world.butler_a.user, company=world.company_a, name="宁波北仑顺达供应链有限公司"
    )
    change = LicenceChange.objects.get(licence=held)
    client.force_login(world.butler_a.user)
    step = reverse("licences:change_step", args=[held.pk, change.pk])
    client.post(
        step,
        {
            "action": "file",
            f"file-{change.pk}-on": "2026-11-02",
            f"file-{change.pk}-channel": "online",
            f"file-{change.pk}-changes": [change.pk],
        },
    )
    refused = {
        "action": "decide",
        f"decide-{change.pk}-on": "2026-11-02",
        f"decide-{change.pk}-approved": "0",
        f"decide-{change.pk}-certificate_number": "浙交运管许可甬字330206000456号",
    }
    response = client.post(step, refused, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "Write down the reasons for the refusal." in response.content.decode()
    assert "浙交运管许可甬字330206000456号" in response.content.decode()  # what was typed is kept
    approved = {**refused, f"decide-{change.pk}-approved": "1"}
    assert client.post(step, approved).status_code == 302
    held.refresh_from_db()
    change.refresh_from_db()
    assert (change.status, change.decided_on) == ("done", date(2026, 11, 2))
    assert (held.certificate_number, held.status) == ("浙交运管许可甬字330206000456号", "issued")
    assert held.expires_on == date(2030, 11, 1)  # the validity stays


def test_a_scope_change_noted_on_the_licence_page_takes_effect_when_approved(client, world, held):
    client.force_login(world.butler_a.user)
    scopes = list(BusinessScope.objects.filter(code__in=["general", "container"]).order_by("pk"))
    assert len(scopes) == 2
    response = client.post(
        reverse("licences:change_add", args=[held.pk]),
        {"item": "scope", "scopes": [scope.pk for scope in scopes], "on": "2026-11-02"},
    )
    assert response.status_code == 302
    change = LicenceChange.objects.get(licence=held)
    assert change.after == "普通货运、集装箱"
    client.post(
        reverse("licences:change_step", args=[held.pk, change.pk]),
        {
            "action": "file",
            f"file-{change.pk}-on": "2026-11-02",
            f"file-{change.pk}-channel": "window",
            f"file-{change.pk}-changes": [change.pk],
        },
    )
    client.post(
        reverse("licences:change_step", args=[held.pk, change.pk]),
        {"action": "decide", f"decide-{change.pk}-on": "2026-11-02", f"decide-{change.pk}-approved": "1"},
    )
    assert set(held.business_scopes.values_list("code", flat=True)) == {"general", "container"}
    body = client.get(reverse("licences:detail", args=[held.pk]), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Certificate changed" in body


def test_a_licence_not_held_cannot_be_changed_and_the_form_keeps_what_was_typed(client, world):
    licence = CompanyLicence.objects.get(company=world.company_a, licence_type__code="road_freight_licence")
    client.force_login(world.butler_a.user)
    response = client.post(
        reverse("licences:change_add", args=[licence.pk]),
        {"item": "address", "after": ADDRESS, "on": "2026-11-02"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "Only a licence held can be changed; apply for it instead." in body
    assert ADDRESS in body
    assert not LicenceChange.objects.exists()


def test_a_change_recorded_by_mistake_is_marked_not_needed_and_its_reminders_stop(client, world, held):
    company_profile_update(actor=world.butler_a.user, company=world.company_a, address=ADDRESS)
    change = LicenceChange.objects.get(licence=held)
    client.force_login(world.butler_a.user)
    response = client.post(reverse("licences:change_step", args=[held.pk, change.pk]), {"action": "withdraw"})
    assert response.status_code == 302
    change.refresh_from_db()
    assert change.status == "withdrawn"
    assert _pending_change_reminders(held) == []
