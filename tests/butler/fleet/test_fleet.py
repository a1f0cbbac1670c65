"""The fleet's calendar: periodic obligations derived from the fleet, their cadences by vehicle type and age,
recording them, their reminders, a vehicle leaving the fleet, and the pages (the window's and the company's
month on a phone).

The clock reads 2026-11-02 09:30 Beijing (a Monday).
"""

import io
from datetime import date, datetime
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from butler.fleet.services import obligation_met, vehicle_leaves
from butler.models import ReminderRule
from companies.models import BusinessType, CompanyLicence, LicenceStatus, Obligation, Vehicle
from companies.selectors import Risk, lapse_risk
from companies.services import company_update, licence_transition, person_add, vehicle_add
from reminders.models import Reminder
from reminders.services import reminders_send_due
from tests.conftest import build_world, built_once_per_module
from tests.queries import assert_fixed_queries

K = ReminderRule.Kind
SHANGHAI = ZoneInfo("Asia/Shanghai")
FLEET_QUERIES = 10  # measured 10 on PostgreSQL with every list filled


def _build():
    world = build_world()
    company = world.company_a
    company_update(
        actor=world.manager,
        company=company,
        business_types=list(BusinessType.objects.filter(code__in=["road_freight", "dangerous_goods"])),
    )
    world.old_truck = vehicle_add(
        actor=world.manager,
        company=company,
        plate="浙B81001",
        vehicle_type="truck",
        total_mass_kg=18000,
        registered_on=date(2013, 3, 1),
    )
    world.tanker = vehicle_add(
        actor=world.manager,
        company=company,
        plate="浙B81002",
        vehicle_type="tanker",
        total_mass_kg=31000,
        registered_on=date(2021, 6, 1),
    )
    world.driver = person_add(actor=world.manager, company=company, name="周师傅", role="driver")
    return world


shared_world = built_once_per_module(_build)


@pytest.fixture
def world(shared_world, db, frozen_clock):
    return shared_world


def _obligation(world, code, subject):
    return Obligation.objects.get(company=world.company_a, obligation_type__code=code, subject_key=subject)


def _of(subject) -> str:
    kind = "vehicle" if isinstance(subject, Vehicle) else "person"
    return f"{kind}:{subject.pk}"


def test_the_fleet_carries_the_obligations_of_its_types_and_roles(world):
    carried = set(
        Obligation.objects.filter(company=world.company_a, ended_on__isnull=True).values_list(
            "subject_key", "obligation_type__code"
        )
    )
    truck, tanker, driver = _of(world.old_truck), _of(world.tanker), _of(world.driver)
    assert carried == {
        (truck, "vehicle_inspection"),
        (truck, "compulsory_insurance"),
        (truck, "carrier_liability_insurance"),  # a dangerous-goods carrier insures every vehicle
        (tanker, "vehicle_inspection"),
        (tanker, "compulsory_insurance"),
        (tanker, "carrier_liability_insurance"),
        (tanker, "tank_inspection"),  # tankers only
        (driver, "driver_integrity_assessment"),
        (driver, "continuing_education"),
    }


def test_a_light_van_of_an_ordinary_freight_company_carries_none(world):
    company = world.company_b
    van = vehicle_add(
        actor=world.manager, company=company, plate="浙B82001", vehicle_type="van", total_mass_kg=3500
    )
    assert not Obligation.objects.filter(vehicle=van).exists()


@pytest.mark.parametrize(
    ("registered_on", "done_on", "due_on"),
    [
        (date(2013, 3, 1), date(2026, 11, 2), date(2027, 5, 2)),  # 13 years old: every six months
        (date(2021, 6, 1), date(2026, 11, 2), date(2027, 11, 2)),  # 5 years old: yearly
        (date(2016, 11, 3), date(2026, 11, 2), date(2027, 11, 2)),  # one day short of 10 years: yearly
        (date(2016, 11, 2), date(2026, 11, 2), date(2027, 5, 2)),  # 10 years on the day: six months
    ],
)
def test_the_inspection_cadence_follows_the_vehicles_age(world, registered_on, done_on, due_on):
    Vehicle.objects.filter(pk=world.old_truck.pk).update(registered_on=registered_on)
    inspection = _obligation(world, "vehicle_inspection", _of(world.old_truck))
    assert obligation_met(actor=world.butler_a.user, obligation=inspection, done_on=done_on).due_on == due_on


def test_a_policy_needs_its_number_and_expiry_and_sets_the_next_date(world):
    policy = _obligation(world, "compulsory_insurance", _of(world.tanker))
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        obligation_met(actor=world.butler_a.user, obligation=policy, done_on=date(2026, 1, 6))
    assert caught.value.message_dict == {"reference": ["Enter the certificate or policy number."]}
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        obligation_met(
            actor=world.butler_a.user, obligation=policy, done_on=date(2026, 1, 6), reference="PDZA2026"
        )
    assert caught.value.message_dict == {"valid_until": ["Give the date it is valid until."]}
    policy = obligation_met(
        actor=world.butler_a.user,
        obligation=policy,
        done_on=date(2026, 1, 6),
        reference="PDZA202633020600001234",
        valid_until=date(2027, 1, 5),
    )
    assert (policy.due_on, policy.reference) == (date(2027, 1, 5), "PDZA202633020600001234")


def test_an_obligation_is_reminded_and_the_reminder_moves_when_it_is_met(world):
    policy = _obligation(world, "compulsory_insurance", _of(world.tanker))
    obligation_met(
        actor=world.butler_a.user,
        obligation=policy,
        done_on=date(2025, 11, 20),
        reference="PDZA2025",
        valid_until=date(2026, 11, 19),
    )
    due = Reminder.objects.filter(subject=f"obligation:{policy.pk}", kind=K.OBLIGATION_DUE, status="pending")
    assert {(r.recipient_id, r.due_on) for r in due} == {
        (world.contact_a.pk, date(2026, 11, 19)),
        (world.butler_a.user.pk, date(2026, 11, 19)),
    }
    # Statutory: the contact gets the rule's channels (e-mail and SMS) whatever they chose.
    assert {r.channel for r in due if r.recipient_id == world.contact_a.pk} >= {"in_app", "sms"}
    reminders_send_due(now=datetime(2026, 11, 12, 10, tzinfo=SHANGHAI))  # 7 days before
    # The 30-day reminder, planned after its day, went out late with the 7-day one: same text, same link.
    notices = world.contact_a.notices.filter(title__contains="浙B81002")
    assert set(notices.values_list("title", "url")) == {
        ("浙B81002：机动车交通事故责任强制保险（交强险）将于 2026-11-19 到期", reverse("portal:fleet"))
    }
    obligation_met(
        actor=world.butler_a.user,
        obligation=policy,
        done_on=date(2026, 11, 2),
        reference="PDZA2026",
        valid_until=date(2027, 11, 1),
    )
    assert set(due.values_list("due_on", flat=True)) == {date(2027, 11, 1)}


def test_a_scrapped_vehicle_leaves_with_its_certificate_obligations_and_reminders(world):
    certificate = CompanyLicence.objects.get(vehicle=world.tanker, licence_type__code="vehicle_certificate")
    certificate = licence_transition(actor=world.manager, licence=certificate, to=LicenceStatus.APPLIED)
    licence_transition(
        actor=world.manager, licence=certificate, to=LicenceStatus.ISSUED, certificate_number="甬1"
    )
    inspection = _obligation(world, "vehicle_inspection", _of(world.tanker))
    obligation_met(actor=world.butler_a.user, obligation=inspection, done_on=date(2026, 6, 1))
    assert Reminder.objects.filter(subject=f"obligation:{inspection.pk}", status="pending").exists()

    vehicle_leaves(actor=world.butler_a.user, vehicle=world.tanker, on=date(2026, 11, 2), reason="scrapped")

    certificate.refresh_from_db()
    assert certificate.status == LicenceStatus.CANCELLED
    assert "2026-11-02" in certificate.notes
    assert set(Obligation.objects.filter(vehicle=world.tanker).values_list("ended_on", flat=True)) == {
        date(2026, 11, 2)
    }
    assert not Reminder.objects.filter(subject=f"obligation:{inspection.pk}", status="pending").exists()
    # The plate may join another fleet; the old one keeps its history.
    again = vehicle_add(
        actor=world.manager,
        company=world.company_b,
        plate="浙B81002",
        vehicle_type="truck",
        total_mass_kg=18000,
    )
    assert again.company == world.company_b and Vehicle.objects.filter(plate="浙B81002").count() == 2
    with pytest.raises(ValidationError):
        vehicle_leaves(actor=world.manager, vehicle=world.tanker, on=date(2026, 11, 2), reason="scrapped")


def _two_policies(world):
    """The old truck's 交强险 runs out on 11-09 (this month); the tanker's on 2027-05-31 (not this month)."""
    for subject, reference, done_on, valid_until in (
        (world.old_truck, "P1", date(2025, 11, 10), date(2026, 11, 9)),
        (world.tanker, "P2", date(2026, 6, 1), date(2027, 5, 31)),
    ):
        obligation_met(
            actor=world.butler_a.user,
            obligation=_obligation(world, "compulsory_insurance", _of(subject)),
            done_on=done_on,
            reference=reference,
            valid_until=valid_until,
        )


# --- pages ---------------------------------------------------------------------------------------------


def test_the_calendar_shows_this_month_first_and_records_an_obligation(client, world):
    _two_policies(world)
    client.force_login(world.butler_a.user)
    url = reverse("fleet:calendar", args=[world.company_a.pk])
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    items = page.context["items"]
    assert (items[0].subject, items[0].due_on, items[0].days) == ("浙B81001", date(2026, 11, 9), 7)
    assert "2027-05-31" not in page.content.decode()  # fine for months: not this month
    assert "2027-05-31" in client.get(url, {"show": "all"}).content.decode()
    inspection = _obligation(world, "vehicle_inspection", _of(world.old_truck))
    record = reverse("fleet:obligation", args=[inspection.pk])
    response = client.post(record, {"done_on": "2026-13-01"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200 and "Enter a valid date." in response.content.decode()
    response = client.post(record, {"done_on": "2026-10-30"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 302
    inspection.refresh_from_db()
    assert inspection.due_on == date(2027, 4, 30)


def test_the_company_sees_its_month_on_a_phone(client, world):
    _two_policies(world)
    client.force_login(world.contact_a)
    page = client.get(reverse("portal:fleet"), HTTP_ACCEPT_LANGUAGE="zh-hans")
    subjects = page.context["subjects"]
    assert [(s.subject, [(i.what, i.due_on) for i in s.items]) for s in subjects] == [
        ("浙B81001", [("机动车交通事故责任强制保险（交强险）", date(2026, 11, 9))])
    ]
    body = page.content.decode()
    assert "2026-11-09" in body and "浙B81002" not in body
    assert page.context["undated"] == 7  # the rest have no date yet: the butler will ask


def test_the_company_and_its_butler_download_the_whole_calendar(client, world):
    _two_policies(world)
    client.force_login(world.contact_a)
    response = client.get(reverse("portal:fleet_export"), HTTP_ACCEPT_LANGUAGE="en")
    assert response["Content-Disposition"].startswith('attachment; filename="fleet-')
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0] == [
        "Plate or name",
        "Kind",
        "What",
        "Next date",
        "Days left",
        "Last done",
        "Certificate or policy number",
        "If it lapses",
    ]
    assert rows[1][:7] == [
        "浙B81001",
        "Vehicle",
        "Compulsory traffic accident insurance",
        datetime(2026, 11, 9),
        7,
        datetime(2025, 11, 10),
        "P1",
    ]
    assert [rows[2][0], rows[2][6]] == ["浙B81002", "P2"]  # every date, not only this month's
    assert len(rows) == 1 + 2 + 7  # the two policies, then the seven items without a date yet
    client.force_login(world.butler_a.user)
    staff = client.get(reverse("fleet:export", args=[world.company_a.pk]), {"format": "csv"})
    text = b"".join(staff.streaming_content).decode("utf-8-sig")
    assert text.splitlines()[1].startswith("浙B81001,")
    client.force_login(world.butler_b.user)
    assert client.get(reverse("fleet:export", args=[world.company_a.pk])).status_code == 404


def test_the_calendar_of_a_large_fleet_makes_a_fixed_number_of_queries(client, world):
    def fill(first, stop):
        for n in range(first, stop):
            vehicle = vehicle_add(
                actor=world.manager,
                company=world.company_a,
                plate=f"浙B9{n:04d}",
                vehicle_type="truck",
                total_mass_kg=18000,
                registered_on=date(2020, 1, 1),
            )
            Obligation.objects.filter(vehicle=vehicle, obligation_type__code="vehicle_inspection").update(
                due_on=date(2026, 11, 20)
            )
            certificate = CompanyLicence.objects.get(
                vehicle=vehicle, licence_type__code="vehicle_certificate"
            )
            CompanyLicence.objects.filter(pk=certificate.pk).update(
                status=LicenceStatus.ISSUED, renew_by=date(2026, 11, 25), expires_on=date(2026, 12, 25)
            )

    def check(response, size):
        items = response.context["items"]
        # Per truck: its certificate's annual review and its inspection dated; two policies not dated yet.
        return sum(1 for item in items if item.subject.startswith("浙B9")) == 4 * size

    client.force_login(world.butler_a.user)
    assert_fixed_queries(
        client,
        reverse("fleet:calendar", args=[world.company_a.pk]),
        fill=fill,
        check=check,
        at_most=FLEET_QUERIES,
        HTTP_ACCEPT_LANGUAGE="en",
    )


def test_dates_too_far_back_or_ahead_are_refused_in_words(world):
    policy = _obligation(world, "compulsory_insurance", _of(world.tanker))
    with translation.override("en"):
        for done_on, valid_until, error in (
            (
                date(2021, 11, 1),
                date(2022, 10, 31),
                {"done_on": ["Give the last time, within the last 5 years."]},
            ),
            (
                date(2026, 1, 6),
                date(9999, 12, 31),
                {"valid_until": ["No certificate or policy runs more than 10 years."]},
            ),
            (date(2026, 11, 3), date(2027, 11, 2), {"done_on": ["The date cannot be in the future."]}),
        ):
            with pytest.raises(ValidationError) as caught:
                obligation_met(
                    actor=world.butler_a.user,
                    obligation=policy,
                    done_on=done_on,
                    reference="P",
                    valid_until=valid_until,
                )
            assert caught.value.message_dict == error


def test_an_overdue_obligation_makes_the_lapse_risk_high(world):
    assert lapse_risk(world.company_a, today=date(2026, 11, 2)) != Risk.HIGH
    inspection = _obligation(world, "vehicle_inspection", _of(world.old_truck))
    obligation_met(actor=world.butler_a.user, obligation=inspection, done_on=date(2026, 4, 20))  # due 10-20
    assert lapse_risk(world.company_a, today=date(2026, 11, 2)) == Risk.HIGH
    obligation_met(actor=world.butler_a.user, obligation=inspection, done_on=date(2026, 10, 30))
    assert lapse_risk(world.company_a, today=date(2026, 11, 2)) != Risk.HIGH


def test_what_a_lapse_leads_to_is_told_in_the_readers_language(client, world):
    inspection = _obligation(world, "vehicle_inspection", _of(world.old_truck))
    obligation_met(actor=world.butler_a.user, obligation=inspection, done_on=date(2026, 4, 20))  # due 10-20
    client.force_login(world.contact_a)
    english = client.get(reverse("portal:fleet"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Without a passed inspection the vehicle certificate fails its annual review" in english
    assert "检验不合格" not in english
    chinese = client.get(reverse("portal:fleet"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "检验不合格或逾期未检，道路运输证年审不能通过" in chinese
