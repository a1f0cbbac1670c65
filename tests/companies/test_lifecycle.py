from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from companies.lifecycle import STEP_ORDER, targets
from companies.models import Company, CompanyLicence, LicenceStatus
from companies.services import licence_statuses_refresh, licence_transition
from tests.companies.licence_world import freight_company
from tests.conftest import build_world, built_once_per_module

S = LicenceStatus


def _build():
    world = build_world()
    world.freight = freight_company(world.manager, 199, heavy=0, drivers=0)
    return world


# The world and one freight company, built once for the module; each test is rolled back after it.
shared_world = built_once_per_module(_build)


@pytest.fixture
def world(shared_world, db, frozen_clock):
    return shared_world


def _licence(world, status=S.REQUIRED, *, fresh=False, **fields):
    """The freight company's licence in ``status``; ``fresh``: another company's, for a second licence."""
    company = world.freight
    if fresh:
        company = freight_company(world.manager, 200 + CompanyLicence.objects.count(), heavy=0, drivers=0)
    licence = CompanyLicence.objects.get(company=company, licence_type__code="road_freight_licence")
    CompanyLicence.objects.filter(pk=licence.pk).update(status=status, **fields)
    licence.refresh_from_db()
    return licence


def _details(licence, target):
    if target in (S.MATERIALS_MISSING, S.DEFERRED, S.SUPPLEMENTING):
        return {"materials": list(licence.licence_type.materials.all()[:2]), "supply_by": date(2026, 11, 20)}
    if target == S.ISSUED:
        return {"certificate_number": "浙交运管许可甬字330206000123号"}
    if target == S.REFUSED:
        return {"refusal_reasons": "停车场地不符合要求"}
    return {}


# Where a licence may go next, written out from the life cycle a window follows. Materials handed in
# incomplete wait for the company before anything is accepted; supplied, the application is accepted (or
# accepted with minor items to follow). After acceptance: materials asked for during the review, issue,
# refusal or withdrawal. A first application short of materials goes to "accepted" when they arrive; a
# renewal, to "renewal accepted".
ALLOWED = {
    S.REQUIRED: {
        S.IN_PREPARATION,
        S.MATERIALS_MISSING,
        S.APPLIED,
        S.DEFERRED,
        S.ISSUED,
        S.NOT_REQUIRED,
        S.WITHDRAWN,
    },
    S.IN_PREPARATION: {S.MATERIALS_MISSING, S.APPLIED, S.DEFERRED, S.REQUIRED, S.NOT_REQUIRED, S.WITHDRAWN},
    S.MATERIALS_MISSING: {S.APPLIED, S.DEFERRED, S.WITHDRAWN},
    S.APPLIED: {S.SUPPLEMENTING, S.ISSUED, S.REFUSED, S.WITHDRAWN},
    S.DEFERRED: {S.APPLIED, S.ISSUED, S.REFUSED, S.WITHDRAWN},
    S.SUPPLEMENTING: {S.APPLIED, S.REFUSED, S.WITHDRAWN},
    S.ISSUED: {S.RENEWAL_DUE, S.RENEWAL_APPLIED, S.MATERIALS_MISSING, S.EXPIRED, S.CANCELLED},
    S.REFUSED: {S.REQUIRED, S.IN_PREPARATION, S.MATERIALS_MISSING, S.APPLIED},
    S.RENEWAL_DUE: {S.RENEWAL_APPLIED, S.MATERIALS_MISSING, S.EXPIRED, S.CANCELLED},
    S.RENEWAL_APPLIED: {S.ISSUED, S.SUPPLEMENTING, S.REFUSED, S.CANCELLED},
    S.EXPIRED: {S.MATERIALS_MISSING, S.APPLIED, S.REQUIRED, S.CANCELLED},
    S.NOT_REQUIRED: {S.REQUIRED},
    S.WITHDRAWN: {S.REQUIRED, S.IN_PREPARATION, S.MATERIALS_MISSING, S.APPLIED},
    S.CANCELLED: {S.REQUIRED},
}
RENEWAL_MISSING_MATERIALS = {S.RENEWAL_APPLIED, S.WITHDRAWN}
ALL_PAIRS = [(current, target) for current in S.values for target in S.values if current != target]


def test_the_table_names_every_status():
    assert set(ALLOWED) == set(S.values)


def _move(world, licence, current, target, allowed):
    if target in allowed:
        result = licence_transition(
            actor=world.manager, licence=licence, to=target, **_details(licence, target)
        )
        assert result.status == target
    else:
        with translation.override("en"), pytest.raises(ValidationError) as caught:
            licence_transition(actor=world.manager, licence=licence, to=target, **_details(licence, target))
        assert "cannot become" in " ".join(caught.value.messages)
        licence.refresh_from_db()
        assert licence.status == current


@pytest.mark.parametrize(("current", "target"), ALL_PAIRS)
def test_allowed_transitions_work_and_others_are_refused(world, current, target):
    _move(world, _licence(world, current), current, target, ALLOWED[current])


@pytest.mark.parametrize("target", [target for target in S.values if target != S.MATERIALS_MISSING])
def test_a_renewal_short_of_materials_goes_back_to_renewal_applied_only(world, target):
    licence = _licence(world, S.MATERIALS_MISSING, issued_on=date(2022, 11, 2), expires_on=date(2026, 12, 31))
    _move(world, licence, S.MATERIALS_MISSING, target, RENEWAL_MISSING_MATERIALS)


def test_an_application_gets_its_due_dates_in_working_days(world):
    licence = _licence(world)
    Company.objects.filter(pk=licence.company_id).update(registered_on=date(2025, 9, 1))
    licence_transition(
        actor=world.manager, licence=licence, to=S.APPLIED, on=date(2025, 9, 26), channel="window"
    )
    licence.refresh_from_db()
    assert licence.statutory_due_on == date(2025, 10, 30)  # 20 working days across National Day
    assert licence.committed_due_on == date(2025, 10, 10)  # 5 working days; the make-up Sunday 09-28 counts
    assert licence.channel == "window"


def test_issue_needs_a_certificate_number_and_takes_the_catalogue_validity(world):
    licence = _licence(world, S.APPLIED)
    with pytest.raises(ValidationError) as caught:
        licence_transition(actor=world.manager, licence=licence, to=S.ISSUED, on=date(2026, 11, 2))
    assert "certificate_number" in caught.value.message_dict
    licence_transition(
        actor=world.manager, licence=licence, to=S.ISSUED, on=date(2026, 11, 2), certificate_number="A1"
    )
    licence.refresh_from_db()
    assert licence.expires_on == date(2030, 11, 1)  # valid for 48 months
    assert licence.renew_by == date(2030, 10, 2)  # apply at least 30 days before expiry


def test_the_calendar_moves_held_licences_into_renewal_and_past_expiry(world):
    # Renewal is due 30 days (BUTLER_RENEWAL_NOTICE_DAYS) before the last day to apply.
    due = _licence(world, S.ISSUED, expires_on=date(2027, 1, 20), renew_by=date(2026, 12, 21))
    later = _licence(world, S.ISSUED, fresh=True, expires_on=date(2027, 6, 1), renew_by=date(2027, 5, 2))
    lapsed = _licence(world, S.ISSUED, fresh=True, expires_on=date(2026, 11, 1))
    renewing = _licence(world, S.RENEWAL_APPLIED, fresh=True, expires_on=date(2026, 11, 1))
    counts = licence_statuses_refresh(today=date(2026, 11, 25))
    assert counts == {"expired": 1, "renewal_due": 1, "cancelled": 0}
    for licence, status in [
        (due, S.RENEWAL_DUE),
        (later, S.ISSUED),
        (lapsed, S.EXPIRED),
        (renewing, S.RENEWAL_APPLIED),
    ]:
        licence.refresh_from_db()
        assert licence.status == status


def test_history_keeps_who_moved_the_licence(world):
    licence = _licence(world)
    licence_transition(actor=world.butler_a.user, licence=licence, to=S.IN_PREPARATION)
    assert licence.history.latest().history_user == world.butler_a.user


def test_a_renewal_handed_in_incomplete_goes_to_renewal_accepted_once_complete(world):
    licence = _licence(
        world,
        S.ISSUED,
        issued_on=date(2022, 11, 2),
        first_issued_on=date(2022, 11, 2),
        expires_on=date(2026, 12, 31),
        renew_by=date(2026, 12, 1),
    )
    licence_transition(
        actor=world.manager,
        licence=licence,
        to=S.MATERIALS_MISSING,
        on=date(2026, 11, 2),
        materials=list(licence.licence_type.materials.all()[:1]),
        supply_by=date(2026, 11, 9),
    )
    with pytest.raises(ValidationError):
        licence_transition(actor=world.manager, licence=licence, to=S.APPLIED)
    licence_transition(actor=world.manager, licence=licence, to=S.RENEWAL_APPLIED, on=date(2026, 11, 2))
    licence.refresh_from_db()
    assert licence.status == S.RENEWAL_APPLIED and licence.missing_materials.count() == 0
    assert licence.accepted_on == date(2026, 11, 2) and licence.expires_on == date(2026, 12, 31)


def test_dates_before_registration_are_refused(world):
    licence = _licence(world)
    with pytest.raises(ValidationError) as caught:
        licence_transition(actor=world.manager, licence=licence, to=S.APPLIED, on=date(2001, 1, 1))
    assert "on" in caught.value.message_dict


def test_a_calendar_correction_moves_pending_due_dates(world, admin_client):
    from companies.models import CalendarDay

    licence = _licence(world)
    Company.objects.filter(pk=licence.company_id).update(registered_on=date(2025, 9, 1))
    licence_transition(actor=world.manager, licence=licence, to=S.APPLIED, on=date(2025, 9, 26))
    response = admin_client.post(
        "/admin/companies/calendarday/add/", {"date": "2025-10-15", "kind": "holiday", "note": "临时停办"}
    )
    assert response.status_code == 302
    licence.refresh_from_db()
    assert licence.statutory_due_on == date(2025, 10, 31)  # one day later than 10-30
    assert CalendarDay.objects.count() == 1


def test_the_next_steps_are_offered_the_usual_way_forward_first():
    assert sorted(STEP_ORDER) == sorted(LicenceStatus.values)  # every status has its place
    issued = CompanyLicence(status=LicenceStatus.ISSUED, issued_on=date(2026, 1, 5))
    assert sorted(targets(issued), key=STEP_ORDER.index) == [
        LicenceStatus.RENEWAL_APPLIED,
        LicenceStatus.MATERIALS_MISSING,
        LicenceStatus.RENEWAL_DUE,
        LicenceStatus.EXPIRED,
        LicenceStatus.CANCELLED,
    ]
