"""The two clocks of an application, every outcome, and trips counted from what happens at the window.

The clock reads 2026-11-02 09:30 Beijing (a Monday). November 2026 has no holidays; National Day ran
2026-10-01..07.
"""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from companies import selectors
from companies.models import Application, CompanyLicence, LicenceStatus, Trip, TripEvent
from companies.services import (
    application_file,
    licence_cancel_notice,
    licence_statuses_refresh,
    licence_transition,
)
from tests.companies.licence_world import freight_company
from tests.conftest import build_world, built_once_per_module

S = LicenceStatus


def _build():
    world = build_world()
    world.freight = freight_company(world.manager, 301, heavy=20, drivers=0)
    return world


shared_world = built_once_per_module(_build)


@pytest.fixture
def world(shared_world, db, frozen_clock):
    return shared_world


def _company_licence(world, **fields):
    licence = CompanyLicence.objects.get(company=world.freight, licence_type__code="road_freight_licence")
    if fields:
        CompanyLicence.objects.filter(pk=licence.pk).update(**fields)
        licence.refresh_from_db()
    return licence


def _materials(licence, n=2):
    return list(licence.licence_type.materials.order_by("position")[:n])


def test_incomplete_at_the_counter_gets_a_notice_and_no_clock_until_it_is_complete_and_accepted(world):
    licence = _company_licence(world)
    first, second = _materials(licence)
    licence_transition(
        actor=world.butler_a.user,
        licence=licence,
        to=S.MATERIALS_MISSING,
        submitted_on=date(2026, 10, 26),
        on=date(2026, 10, 27),
        channel="window",
        materials=[first, second],
        reasons={str(first.pk): "申请表未签字", str(second.pk): "身份证复印件不清晰"},
        supply_by=date(2026, 11, 6),
    )
    licence.refresh_from_db()
    assert licence.status == S.MATERIALS_MISSING
    assert (licence.accepted_on, licence.statutory_due_on, licence.committed_due_on) == (None, None, None)
    assert licence.notice_given_by == world.butler_a.user
    assert [(item.name, item.reason) for item in selectors.missing_of(licence)] == [
        (first.name_zh, "申请表未签字"),
        (second.name_zh, "身份证复印件不清晰"),
    ]
    limit = selectors.notice_limit(licence)
    assert limit.due_on == date(2026, 11, 2) and not limit.late  # 5 working days after 10-26
    # The company's move: never the window's overdue time.
    urgency = selectors.urgency(licence, date(2026, 11, 2))
    assert (urgency.what, urgency.on) == ("supply", date(2026, 11, 6))

    licence_transition(
        actor=world.butler_a.user, licence=licence, to=S.APPLIED, on=date(2026, 10, 30), at_window=True
    )
    licence.refresh_from_db()
    assert licence.status == S.APPLIED
    assert licence.accepted_on == date(2026, 10, 30) and licence.submitted_on == date(2026, 10, 26)
    assert licence.statutory_due_on == date(2026, 11, 27)  # 20 working days from acceptance
    assert licence.committed_due_on == date(2026, 11, 6)  # 5 working days
    assert licence.missing_materials.count() == 0 and licence.supply_by is None
    # Handing in at the window, then the missing materials at the window: two visits for the matter.
    assert sorted(Trip.objects.filter(application=licence.application).values_list("event", "date")) == [
        (TripEvent.ACCEPTED, date(2026, 10, 27)),
        (TripEvent.SUPPLIED, date(2026, 10, 30)),
    ]


def test_a_notice_given_after_five_working_days_is_flagged_late(world):
    licence = _company_licence(world)
    licence_transition(
        actor=world.manager,
        licence=licence,
        to=S.MATERIALS_MISSING,
        submitted_on=date(2026, 10, 19),
        on=date(2026, 10, 27),
        materials=_materials(licence, 1),
        supply_by=date(2026, 11, 10),
    )
    limit = selectors.notice_limit(CompanyLicence.objects.get(pk=licence.pk))
    assert limit.due_on == date(2026, 10, 26) and limit.late


def test_the_notice_needs_a_date_to_supply_by_and_cannot_predate_the_handing_in(world):
    licence = _company_licence(world)
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        licence_transition(
            actor=world.manager, licence=licence, to=S.MATERIALS_MISSING, materials=_materials(licence)
        )
    assert caught.value.message_dict == {
        "supply_by": ["Give the date by which the materials are to be supplied."]
    }
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        licence_transition(
            actor=world.manager,
            licence=licence,
            to=S.MATERIALS_MISSING,
            submitted_on=date(2026, 10, 30),
            on=date(2026, 10, 29),
            materials=_materials(licence),
            supply_by=date(2026, 11, 9),
        )
    assert list(caught.value.message_dict) == ["submitted_on"]
    licence.refresh_from_db()
    assert licence.status == S.REQUIRED


def test_accepted_with_items_to_follow_runs_the_clocks_and_keeps_them_when_the_items_arrive(world):
    licence = _company_licence(world)
    items = _materials(licence, 1)
    licence_transition(
        actor=world.manager,
        licence=licence,
        to=S.DEFERRED,
        on=date(2026, 10, 30),
        channel="window",
        materials=items,
        supply_by=date(2026, 11, 13),
    )
    licence.refresh_from_db()
    assert licence.status == S.DEFERRED
    assert (licence.accepted_on, licence.statutory_due_on) == (date(2026, 10, 30), date(2026, 11, 27))
    assert list(licence.missing_materials.all()) == items and licence.supply_by == date(2026, 11, 13)
    licence_transition(actor=world.manager, licence=licence, to=S.APPLIED, on=date(2026, 11, 2))
    licence.refresh_from_db()
    assert licence.status == S.APPLIED and licence.missing_materials.count() == 0
    assert (licence.accepted_on, licence.statutory_due_on) == (date(2026, 10, 30), date(2026, 11, 27))


def test_materials_asked_during_the_review_stop_both_clocks_until_they_arrive(world):
    licence = _company_licence(world)
    licence_transition(
        actor=world.manager, licence=licence, to=S.APPLIED, on=date(2026, 10, 12), channel="online"
    )
    licence.refresh_from_db()
    assert (licence.committed_due_on, licence.statutory_due_on) == (date(2026, 10, 19), date(2026, 11, 9))
    licence_transition(
        actor=world.manager,
        licence=licence,
        to=S.SUPPLEMENTING,
        on=date(2026, 10, 15),
        materials=_materials(licence, 1),
        supply_by=date(2026, 10, 29),
    )
    licence.refresh_from_db()
    # Past the committed date while the company supplies: the company's move, not late for the window.
    assert selectors.urgency(licence, date(2026, 10, 21)).what == "supply"
    assert (
        not CompanyLicence.objects.filter(pk=licence.pk)
        .filter(selectors.risk_filters(date(2026, 10, 21), "")["late"])
        .exists()
    )
    licence_transition(actor=world.manager, licence=licence, to=S.APPLIED, on=date(2026, 10, 22))
    licence.refresh_from_db()
    # Five working days stood still (10-16, 19, 20, 21, 22): both due dates move on by five.
    assert licence.paused_days == 5 and licence.paused_on is None
    assert (licence.committed_due_on, licence.statutory_due_on) == (date(2026, 10, 26), date(2026, 11, 16))
    assert licence.accepted_on == date(2026, 10, 12)


def test_a_refusal_needs_written_reasons_and_records_when_it_was_decided(world):
    licence = _company_licence(world)
    licence_transition(
        actor=world.manager, licence=licence, to=S.APPLIED, on=date(2026, 10, 30), channel="online"
    )
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        licence_transition(actor=world.manager, licence=licence, to=S.REFUSED, refusal_reasons="  ")
    assert caught.value.message_dict == {"refusal_reasons": ["Write down the reasons for the refusal."]}
    licence_transition(
        actor=world.manager,
        licence=licence,
        to=S.REFUSED,
        refusal_reasons="停车场地面积不足，不符合许可条件。",
    )
    licence.refresh_from_db()
    assert licence.status == S.REFUSED and licence.refusal_reasons == "停车场地面积不足，不符合许可条件。"
    assert licence.decided_on == date(2026, 11, 2)
    # Recorded at the time it was decided (09:30 Beijing), for the on-the-spot items' minutes.
    assert timezone.localtime(licence.decided_at).strftime("%Y-%m-%d %H:%M") == "2026-11-02 09:30"
    assert licence.issued_on is None and licence.first_issued_on is None
    # Counted apart, never as a withdrawal.
    measures = selectors.licence_measures(world.freight.licences.all())
    assert (measures.matters, measures.refused) == (1, 1)


def test_a_decision_and_its_certificate_keep_their_own_dates(world):
    licence = _company_licence(world)
    licence_transition(
        actor=world.manager, licence=licence, to=S.APPLIED, on=date(2026, 10, 12), channel="online"
    )
    licence_transition(
        actor=world.manager,
        licence=licence,
        to=S.ISSUED,
        on=date(2026, 10, 28),
        issued_on=date(2026, 11, 2),
        certificate_number="浙交运管许可甬字330206000301号",
    )
    licence.refresh_from_db()
    assert (licence.decided_on, licence.issued_on, licence.expires_on) == (
        date(2026, 10, 28),
        date(2026, 11, 2),
        date(2030, 11, 1),
    )


def test_a_renewal_accepted_before_the_expiry_is_deemed_granted_and_one_left_incomplete_lapses(world):
    held = {
        "issued_on": date(2022, 11, 1),
        "first_issued_on": date(2022, 11, 1),
        "expires_on": date(2026, 10, 31),
    }
    accepted = _company_licence(world, status=S.RENEWAL_APPLIED, accepted_on=date(2026, 10, 9), **held)
    other = freight_company(world.manager, 302, heavy=0, drivers=0)
    incomplete = CompanyLicence.objects.get(company=other, licence_type__code="road_freight_licence")
    CompanyLicence.objects.filter(pk=incomplete.pk).update(
        status=S.MATERIALS_MISSING, missing_noted_on=date(2026, 10, 20), **held
    )
    assert licence_statuses_refresh(today=date(2026, 11, 2)) == {
        "expired": 1,
        "renewal_due": 0,
        "cancelled": 0,
    }
    assert CompanyLicence.objects.get(pk=accepted.pk).status == S.RENEWAL_APPLIED
    assert CompanyLicence.objects.get(pk=incomplete.pk).status == S.EXPIRED


def test_twenty_vehicle_certificates_filed_in_one_visit_are_one_matter_and_one_trip(world):
    certificates = list(
        CompanyLicence.objects.filter(company=world.freight, licence_type__code="vehicle_certificate")
    )
    assert len(certificates) == 20
    application = application_file(
        actor=world.butler_a.user, licences=certificates, to=S.APPLIED, on=date(2026, 11, 2), channel="window"
    )
    assert CompanyLicence.objects.filter(application=application, status=S.APPLIED).count() == 20
    assert list(Trip.objects.filter(application=application).values_list("event", "date")) == [
        (TripEvent.ACCEPTED, date(2026, 11, 2))
    ]
    measures = selectors.licence_measures(world.freight.licences.all())
    assert (measures.matters, measures.trips, measures.zero_trip_share) == (1, 1, 0.0)


def test_online_filing_with_a_posted_result_is_zero_trips_and_a_proxy_filing_keeps_its_authorisation(
    world,
):
    certificates = list(
        CompanyLicence.objects.filter(company=world.freight, licence_type__code="vehicle_certificate")
    )
    application_file(
        actor=world.butler_a.user,
        licences=certificates[:10],
        to=S.APPLIED,
        on=date(2026, 11, 2),
        channel="online",
        result_by="post",
    )
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        application_file(
            actor=world.butler_a.user,
            licences=certificates[10:],
            to=S.APPLIED,
            channel="window",
            by_proxy=True,
        )
    assert list(caught.value.message_dict) == ["authorisation"]
    proxy = application_file(
        actor=world.butler_a.user,
        licences=certificates[10:],
        to=S.APPLIED,
        channel="window",
        by_proxy=True,
        authorisation="授权委托书 2026-11-02 法定代表人签字",
    )
    # The butler went to the counter for the company: no trip for the company.
    assert Trip.objects.filter(application__company=world.freight).count() == 0
    assert Application.objects.get(pk=proxy.pk).authorisation == "授权委托书 2026-11-02 法定代表人签字"
    measures = selectors.licence_measures(world.freight.licences.all())
    assert (measures.matters, measures.trips, measures.zero_trip_share, measures.by_proxy) == (2, 0, 1.0, 1)


def test_a_visit_recorded_by_mistake_is_taken_back(world):
    from companies.services import trip_undo

    licence = _company_licence(world)
    licence_transition(
        actor=world.manager, licence=licence, to=S.APPLIED, on=date(2026, 11, 2), channel="window"
    )
    trip = Trip.objects.get(application=CompanyLicence.objects.get(pk=licence.pk).application)
    trip_id = trip.pk
    trip_undo(actor=world.manager, trip=trip)
    assert not Trip.objects.filter(pk=trip_id).exists()
    assert Trip.history.filter(id=trip_id, history_type="-").get().history_user == world.manager


def test_filing_together_accepts_each_certificate_the_way_it_can_be(world):
    held, new = CompanyLicence.objects.filter(
        company=world.freight, licence_type__code="vehicle_certificate"
    )[:2]
    CompanyLicence.objects.filter(pk=held.pk).update(
        status=S.RENEWAL_DUE,
        issued_on=date(2025, 12, 1),
        first_issued_on=date(2025, 12, 1),
        expires_on=date(2026, 11, 30),
        certificate_number="浙交运管甬字330206001234号",
    )
    application = application_file(
        actor=world.butler_a.user, licences=[held, new], to=S.APPLIED, on=date(2026, 11, 2), channel="window"
    )
    assert dict(application.licences.values_list("pk", "status")) == {
        held.pk: S.RENEWAL_APPLIED,
        new.pk: S.APPLIED,
    }
    assert Trip.objects.filter(application=application).count() == 1


def test_a_lapsed_licence_is_cancelled_after_its_public_notice_unless_applied_for_again(world, settings):
    settings.BUTLER_CANCEL_NOTICE_DAYS = 30
    held = {
        "issued_on": date(2022, 10, 1),
        "first_issued_on": date(2022, 10, 1),
        "expires_on": date(2026, 9, 30),
    }
    licence = _company_licence(world, status=S.EXPIRED, **held)
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        licence_cancel_notice(actor=world.manager, licence=licence, on=date(2026, 9, 30))
    assert caught.value.message_dict == {"on": ["The notice comes after the licence lapsed."]}
    licence = licence_cancel_notice(actor=world.manager, licence=licence, on=date(2026, 10, 12))
    assert licence.cancel_on == date(2026, 11, 11)
    assert selectors.urgency(licence, date(2026, 11, 2)).on == date(2026, 11, 11)
    assert licence_statuses_refresh(today=date(2026, 11, 11))["cancelled"] == 0  # the last day still counts
    assert licence_statuses_refresh(today=date(2026, 11, 12))["cancelled"] == 1
    assert CompanyLicence.objects.get(pk=licence.pk).status == S.CANCELLED


def test_applying_again_within_the_notice_keeps_the_licence_from_cancellation(world):
    held = {
        "issued_on": date(2022, 10, 1),
        "first_issued_on": date(2022, 10, 1),
        "expires_on": date(2026, 9, 30),
    }
    licence = _company_licence(world, status=S.EXPIRED, **held)
    licence_cancel_notice(actor=world.manager, licence=licence, on=date(2026, 10, 12))
    licence = licence_transition(actor=world.manager, licence=licence, to=S.APPLIED, channel="window")
    assert (licence.cancel_notice_on, licence.cancel_on) == (None, None)
    assert licence_statuses_refresh(today=date(2026, 12, 31))["cancelled"] == 0
